package dev.palisade.limits;

import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sys.Libc;
import dev.palisade.sys.NativeException;

/**
 * Caps what one command may write to stdout and stderr together: the command writes into two pipes
 * and the launcher copies to where its output was going, counting bytes. Exactly the cap is
 * delivered; the first write beyond it stops the command. Only used when a cap is set, since it
 * costs the command its terminal (its output is a pipe).
 */
final class OutputCap {
    private static final int CHUNK = 65536;
    private static final System.Logger LOG = System.getLogger("palisade");

    private final long cap;
    private final Runnable onCap;
    private final int[] readEnds;
    private final int[] writeEnds;
    private final int[] destinations;
    private final Thread[] copiers = new Thread[2];
    private final Object lock = new Object();
    private long delivered;
    private boolean capped;

    private OutputCap(long cap, Runnable onCap, int[] readEnds, int[] writeEnds, int[] destinations) {
        this.cap = cap;
        this.onCap = onCap;
        this.readEnds = readEnds;
        this.writeEnds = writeEnds;
        this.destinations = destinations;
    }

    /**
     * Replaces the launch's stdout and stderr with pipes.
     *
     * @param plan the launch
     * @param cap bytes allowed
     * @param onCap called once, from a copier thread, when the command writes beyond the cap
     * @return the cap, to {@link #start} once the command has been spawned
     * @throws NativeException if the pipes cannot be made
     */
    static OutputCap redirect(LaunchPlan plan, long cap, Runnable onCap) throws NativeException {
        int[] stdio = plan.stdio();
        int[] out = Libc.pipe();
        int[] err;
        try {
            err = Libc.pipe();
        } catch (NativeException e) {
            Libc.closeQuietly(out[0]);
            Libc.closeQuietly(out[1]);
            throw e;
        }
        plan.stdio(new int[] {stdio[0], out[1], err[1]});
        return new OutputCap(cap, onCap, new int[] {out[0], err[0]}, new int[] {out[1], err[1]},
                new int[] {stdio[1], stdio[2]});
    }

    /**
     * Starts copying: called once the command has its copies of the write ends, which this process
     * then closes so that the pipes reach end-of-file when the command's last process is gone.
     */
    void start() {
        closeWriteEnds();
        for (int i = 0; i < 2; i++) {
            int from = readEnds[i];
            int to = destinations[i];
            // Platform threads: read(2) blocks in native code, which would pin a virtual thread's carrier.
            copiers[i] = Thread.ofPlatform().daemon(true).name("palisade-output-" + i).start(() -> copy(from, to));
        }
    }

    private void copy(int from, int to) {
        boolean destinationOk = true;
        while (true) {
            byte[] chunk;
            try {
                chunk = Libc.read(from, CHUNK);
            } catch (NativeException e) {
                LOG.log(System.Logger.Level.WARNING, "reading the command's output failed: " + e.getMessage());
                return;
            }
            if (chunk.length == 0) {
                return;
            }
            boolean breach = false;
            synchronized (lock) {
                long allowed = Math.min(chunk.length, cap - delivered);
                if (allowed > 0 && destinationOk) {
                    byte[] part = allowed == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, (int) allowed);
                    try {
                        Libc.writeAll(to, part);
                    } catch (NativeException e) {
                        destinationOk = false; // the reader went away; keep draining so the command is not blocked
                    }
                }
                delivered += Math.max(0, allowed);
                if (allowed < chunk.length && !capped) {
                    capped = true;
                    breach = true;
                }
            }
            if (breach) {
                onCap.run();
            }
        }
    }

    /** Bytes delivered so far. */
    long delivered() {
        synchronized (lock) {
            return delivered;
        }
    }

    /** Waits (up to 5 s) until both pipes reached end-of-file and everything was copied. */
    void await() {
        for (Thread t : copiers) {
            if (t == null) {
                continue;
            }
            try {
                if (!t.join(java.time.Duration.ofSeconds(5))) {
                    LOG.log(System.Logger.Level.WARNING, "output of the command still open 5 s after it ended");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Closes every descriptor this cap still holds. */
    void close() {
        closeWriteEnds();
        for (int i = 0; i < 2; i++) {
            if (copiers[i] == null || !copiers[i].isAlive()) {
                Libc.closeQuietly(readEnds[i]);
                readEnds[i] = -1;
            }
        }
    }

    private void closeWriteEnds() {
        for (int i = 0; i < 2; i++) {
            Libc.closeQuietly(writeEnds[i]);
            writeEnds[i] = -1;
        }
    }
}
