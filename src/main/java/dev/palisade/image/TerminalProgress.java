package dev.palisade.image;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for a terminal: redrawn in place with a carriage return, at most every
 * 100 ms or when a phase starts or ends, and ended with a newline per phase so the finished phases
 * stay readable above the current one.
 */
final class TerminalProgress implements Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;
    private final PrintStream out;
    private String phase;
    private boolean ended;
    private long lastDraw;

    TerminalProgress(PrintStream out) {
        this.out = out;
    }

    /** A bar on standard error when the process has a terminal, nothing otherwise. */
    static Progress forConsole() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal() ? new TerminalProgress(System.err) : Progress.NONE;
    }

    @Override
    public synchronized void update(String name, long done, long total) {
        long now = System.nanoTime();
        boolean last = done >= total;
        if (name.equals(phase)) {
            if (ended || (!last && now - lastDraw < REDRAW_NANOS)) {
                return;
            }
        } else {
            if (phase != null && !ended) {
                out.print('\n');
            }
            phase = name;
            ended = false;
        }
        lastDraw = now;
        out.print('\r' + line(name, done, total));
        if (last) {
            out.print('\n');
            ended = true;
        }
        out.flush();
    }

    static String line(String name, long done, long total) {
        double f = total <= 0 ? 1.0 : Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(f * WIDTH);
        return String.format(Locale.ROOT, "[%s%s] %3d%% %s %.1f/%.1f MiB", "#".repeat(filled),
                ".".repeat(WIDTH - filled), Math.round(f * 100), name, done / 1048576.0, total / 1048576.0);
    }
}
