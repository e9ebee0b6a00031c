package dev.palisade.limits;

import java.time.Duration;
import java.util.Objects;

/**
 * Resource limits of a session (policy key {@code limits}, {@code palisade run --memory …}). Zero
 * (or {@link Duration#ZERO}) means "no limit" for every field. Each limit applies to each command:
 * every command of a session is its own sandbox with its own process tree.
 *
 * @param memory bytes of memory of the command's whole process tree, tmpfs scratch included
 * @param pids tasks (processes and threads) of the command's process tree
 * @param cpus CPU quota in CPUs (1.5 = one and a half CPUs' worth of time per period)
 * @param timeout wall-clock time of one command
 * @param sessionTimeout wall-clock time of the whole session; later commands get what is left
 * @param homeSize size of the session home tmpfs
 * @param tmpSize size of each of the /tmp and /var/tmp tmpfs mounts
 * @param shmSize size of the /dev/shm tmpfs
 * @param maxOutput bytes of stdout and stderr together that one command may write
 * @param openFiles descriptors per process (RLIMIT_NOFILE)
 * @param maxFileSize largest file a process may write (RLIMIT_FSIZE), also in shared folders
 * @param allowWeaker run even when a limit can only be enforced by a weaker mechanism, or not at all
 */
public record Limits(long memory, int pids, double cpus, Duration timeout, Duration sessionTimeout,
        long homeSize, long tmpSize, long shmSize, long maxOutput, int openFiles, long maxFileSize,
        boolean allowWeaker) {
    /** No limits (core dumps are still switched off: they can be large and leak memory contents). */
    public static final Limits NONE = new Limits(0, 0, 0, Duration.ZERO, Duration.ZERO, 0, 0, 0, 0, 0, 0, false);

    /** The smallest memory limit accepted: below this even a shell fails to start. */
    static final long MIN_MEMORY = 4L << 20;
    /** The smallest tmpfs accepted (one page would be legal but is never what was meant). */
    static final long MIN_SCRATCH = 64L << 10;

    /** Validates. */
    public Limits {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        nonNegative("memory", memory);
        if (memory != 0 && memory < MIN_MEMORY) {
            throw new IllegalArgumentException("memory: " + memory + " bytes is too small (at least 4M)");
        }
        nonNegative("pids", pids);
        if (pids != 0 && pids < 2) {
            throw new IllegalArgumentException("pids: at least 2 (the sandbox's init and the command)");
        }
        if (!(cpus >= 0) || Double.isInfinite(cpus) || (cpus != 0 && cpus < 0.01)) {
            throw new IllegalArgumentException("cpus: must be 0 (no limit) or at least 0.01, got " + cpus);
        }
        if (timeout.isNegative() || sessionTimeout.isNegative()) {
            throw new IllegalArgumentException("timeout: must not be negative");
        }
        for (long size : new long[] {homeSize, tmpSize, shmSize}) {
            nonNegative("scratch size", size);
            if (size != 0 && size < MIN_SCRATCH) {
                throw new IllegalArgumentException("scratch size: " + size + " bytes is too small (at least 64K)");
            }
        }
        nonNegative("maxOutput", maxOutput);
        nonNegative("openFiles", openFiles);
        if (openFiles != 0 && openFiles < 16) {
            throw new IllegalArgumentException("openFiles: at least 16 (stdio and the loader need some)");
        }
        nonNegative("maxFileSize", maxFileSize);
    }

    private static void nonNegative(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + ": must not be negative, got " + value);
        }
    }

    /** Whether any kernel-enforced limit (cgroup or rlimit) is asked for. */
    public boolean anyKernelLimit() {
        return memory > 0 || pids > 0 || cpus > 0 || openFiles > 0 || maxFileSize > 0;
    }

    /** Whether any scratch size is set. */
    public boolean anyScratchSize() {
        return homeSize > 0 || tmpSize > 0 || shmSize > 0;
    }

    /**
     * Overlays another set of limits: each non-zero field of {@code over} wins (command-line flags
     * over the policy's), and weaker limits are allowed if either allows them.
     *
     * @param over the limits that take precedence
     * @return the merged limits
     */
    public Limits overriddenBy(Limits over) {
        return new Limits(
                over.memory != 0 ? over.memory : memory,
                over.pids != 0 ? over.pids : pids,
                over.cpus != 0 ? over.cpus : cpus,
                !over.timeout.isZero() ? over.timeout : timeout,
                !over.sessionTimeout.isZero() ? over.sessionTimeout : sessionTimeout,
                over.homeSize != 0 ? over.homeSize : homeSize,
                over.tmpSize != 0 ? over.tmpSize : tmpSize,
                over.shmSize != 0 ? over.shmSize : shmSize,
                over.maxOutput != 0 ? over.maxOutput : maxOutput,
                over.openFiles != 0 ? over.openFiles : openFiles,
                over.maxFileSize != 0 ? over.maxFileSize : maxFileSize,
                over.allowWeaker || allowWeaker);
    }
}
