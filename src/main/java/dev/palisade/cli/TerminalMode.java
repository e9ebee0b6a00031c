package dev.palisade.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import dev.palisade.sys.NativeException;
import dev.palisade.sys.Pty;

/**
 * The local terminal around {@code palisade exec -t}: its size (TIOCGWINSZ on our stdin), and raw
 * mode while the remote command owns the screen (the sandbox's pty echoes and edits lines, so ours
 * must not as well). Raw mode is set and restored with stty(1) on /dev/tty.
 */
final class TerminalMode {
    private final String saved;

    private TerminalMode(String saved) {
        this.saved = saved;
    }

    /** Rows and columns of the terminal on our stdin, or 24x80 when stdin is no terminal. */
    static int[] size() {
        try {
            int[] s = Pty.size(0);
            if (s[0] > 0 && s[1] > 0) {
                return s;
            }
        } catch (NativeException e) {
            // Not a terminal (ENOTTY): a pipe or a file.
        }
        return new int[] {24, 80};
    }

    /** Puts /dev/tty into raw mode; null (nothing to restore) when there is no terminal. */
    static TerminalMode raw() {
        if (System.console() == null) {
            return null;
        }
        String saved = stty("-g");
        if (saved == null || stty("raw", "-echo") == null) {
            return null;
        }
        return new TerminalMode(saved.strip());
    }

    void restore() {
        stty(saved);
    }

    private static String stty(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
