package dev.palisade.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import dev.palisade.sys.Errno;
import dev.palisade.sys.Libc;
import dev.palisade.sys.NativeException;
import dev.palisade.sys.PosixSpawn;

/**
 * A spawned child and the platform thread that owns it. The same thread spawns and waits: bwrap's
 * {@code --die-with-parent} fires when the spawning thread exits, and the JDK does not reap
 * children it did not start.
 */
final class RunningCommand {
    private final Thread owner;
    private final CountDownLatch spawned = new CountDownLatch(1);
    private volatile int pid = -1;
    private volatile NativeException spawnFailure;
    private volatile int rawStatus = -1;
    /** The host pid whose process group receives forwarded signals, once known. */
    private volatile int signalTarget = -1;

    private RunningCommand(String name, String path, List<String> argv, List<String> env, String cwd,
            int[] stdio, List<Integer> fds, boolean newSession) {
        this.owner = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            try {
                pid = PosixSpawn.spawn(path, argv, env, cwd, stdio, fds, newSession);
            } catch (NativeException e) {
                spawnFailure = e;
                return;
            } finally {
                spawned.countDown();
            }
            try {
                rawStatus = Libc.waitpid(pid, 0);
            } catch (NativeException e) {
                System.getLogger("palisade").log(System.Logger.Level.ERROR, "waitpid failed: " + e.getMessage());
            }
        });
    }

    /**
     * Spawns a child on its own owner thread and returns once it runs.
     *
     * @throws NativeException if posix_spawn failed
     */
    static RunningCommand start(String name, String path, List<String> argv, List<String> env, String cwd,
            int[] stdio, List<Integer> fds, boolean newSession) throws NativeException {
        RunningCommand rc = new RunningCommand(name, path, argv, env, cwd, stdio, fds, newSession);
        rc.owner.start();
        boolean interrupted = false;
        while (true) {
            try {
                rc.spawned.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (rc.spawnFailure != null) {
            throw rc.spawnFailure;
        }
        return rc;
    }

    int pid() {
        return pid;
    }

    /** Sets the process whose group gets forwarded signals (the command inside the sandbox). */
    void signalTarget(int hostPid) {
        signalTarget = hostPid;
    }

    /**
     * Forwards a signal: to the command's process group when known, else to the child itself.
     *
     * @param signal the signal number
     */
    void signal(int signal) {
        int target = signalTarget;
        try {
            // Never a group of pid 0 or 1: kill(-1) would reach every process we may signal.
            if (target > 1) {
                try {
                    Libc.kill(-target, signal);
                } catch (NativeException e) {
                    if (e.errno() != Errno.ESRCH) {
                        throw e;
                    }
                    Libc.kill(target, signal);
                }
            } else {
                Libc.kill(pid, signal);
            }
        } catch (NativeException e) {
            if (e.errno() != Errno.ESRCH) {
                System.getLogger("palisade").log(System.Logger.Level.WARNING, "cannot forward signal " + signal
                        + ": " + e.getMessage());
            }
        }
    }

    /** Kills the child outright (SIGKILL); the sandbox dies with it. */
    void kill() {
        try {
            Libc.kill(pid, 9);
        } catch (NativeException ignored) {
            // Already gone.
        }
    }

    /**
     * Waits for the child to end.
     *
     * @return the raw wait status
     * @throws IOException if the wait itself failed
     */
    int await() throws IOException {
        try {
            owner.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the sandbox", e);
        }
        if (rawStatus < 0) {
            throw new IOException("lost track of the sandbox process " + pid);
        }
        return rawStatus;
    }

    /**
     * The first child of a process (its host pid), or -1: inside a pid namespace, bwrap's init is
     * the sandbox's first process and the command is its child (proc(5): /proc/PID/task/TID/children).
     */
    static int firstChild(int parent) {
        try {
            String children = ProcFiles.read(Path.of("/proc", Integer.toString(parent), "task",
                    Integer.toString(parent), "children")).trim();
            if (children.isEmpty()) {
                return -1;
            }
            int space = children.indexOf(' ');
            return Integer.parseInt(space < 0 ? children : children.substring(0, space));
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
