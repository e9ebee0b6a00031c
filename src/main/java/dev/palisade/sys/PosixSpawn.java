package dev.palisade.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a child with posix_spawn(3) so that exactly the chosen descriptors reach it: stdio plus
 * the extra descriptors, numbered from 3, and nothing else (posix_spawn_file_actions_addclosefrom_np,
 * glibc 2.34). Java's ProcessBuilder cannot pass descriptors beyond 0–2, and bwrap passes every
 * descriptor it inherits on to the sandbox, so this is the one way Palisade starts bwrap.
 *
 * <p>The JDK does not reap children started this way: the caller must {@link Libc#waitpid} them,
 * and should do so from the thread that spawned them, because bwrap's {@code --die-with-parent}
 * (PR_SET_PDEATHSIG) fires when the spawning <em>thread</em> exits.
 */
@SuppressWarnings("restricted") // FFM downcalls are this package's purpose
public final class PosixSpawn {
    private static final int POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final int POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int POSIX_SPAWN_SETSID = 0x80;
    /** Generous upper bounds of glibc's opaque structs (80, 336 and 128 bytes on x86_64). */
    private static final long ACTIONS_SIZE = 512;
    private static final long ATTR_SIZE = 1024;
    private static final long SIGSET_SIZE = 256;
    /** Parent-side duplicates are moved above this number so dup2 targets 0..n never collide. */
    private static final int HIGH_FD = 1000;

    private static final MethodHandle SPAWN = Libc.plainCall("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FA_INIT = Libc.plainCall("posix_spawn_file_actions_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DESTROY = Libc.plainCall("posix_spawn_file_actions_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DUP2 = Libc.plainCall("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_CLOSEFROM = Libc.plainCall("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FA_CHDIR = Libc.plainCall("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_INIT = Libc.plainCall("posix_spawnattr_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_DESTROY = Libc.plainCall("posix_spawnattr_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_FLAGS = Libc.plainCall("posix_spawnattr_setflags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_SIGMASK = Libc.plainCall("posix_spawnattr_setsigmask",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SIGDEFAULT = Libc.plainCall("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = Libc.plainCall("sigemptyset",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILLSET = Libc.plainCall("sigfillset",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private PosixSpawn() {
    }

    /**
     * Spawns {@code path} with the given arguments and environment.
     *
     * @param path absolute path of the executable (no PATH search)
     * @param argv the argument vector, argv[0] included
     * @param env the environment as NAME=value strings
     * @param cwd the working directory, or null to inherit
     * @param stdio three descriptors to become 0, 1 and 2 in the child, or null to inherit ours
     * @param extraFds descriptors to become 3, 4, … in the child, in order
     * @param newSession whether the child starts a new session (setsid(2)), so that its process
     *     group can be signalled as a whole and it has no controlling terminal
     * @return the child's pid
     * @throws NativeException when the spawn fails (errno from posix_spawn's return value)
     */
    public static int spawn(String path, List<String> argv, List<String> env, String cwd,
            int[] stdio, List<Integer> extraFds, boolean newSession) throws NativeException {
        if (stdio != null && stdio.length != 3) {
            throw new IllegalArgumentException("stdio must name exactly three descriptors");
        }
        List<Integer> highs = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            List<Integer> sources = new ArrayList<>();
            if (stdio != null) {
                for (int fd : stdio) {
                    sources.add(fd);
                }
            }
            sources.addAll(extraFds);
            for (int fd : sources) {
                highs.add(Libc.dupCloexec(fd, HIGH_FD));
            }
            MemorySegment actions = arena.allocate(ACTIONS_SIZE, 16);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 16);
            check("posix_spawn_file_actions_init", (int) FA_INIT.invokeExact(actions));
            check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
            try {
                int target = stdio != null ? 0 : 3;
                for (int high : highs) {
                    // dup2 onto the target clears close-on-exec on the copy the child keeps.
                    check("posix_spawn_file_actions_adddup2", (int) FA_DUP2.invokeExact(actions, high, target));
                    target++;
                }
                int firstClosed = 3 + extraFds.size();
                check("posix_spawn_file_actions_addclosefrom_np", (int) FA_CLOSEFROM.invokeExact(actions, firstClosed));
                if (cwd != null) {
                    check("posix_spawn_file_actions_addchdir_np",
                            (int) FA_CHDIR.invokeExact(actions, arena.allocateFrom(cwd)));
                }
                // The JVM blocks and handles signals for itself; the child starts clean: nothing
                // blocked, every signal at its default disposition (an ignored SIGINT inherited
                // from a nohup'd launcher would otherwise make the sandbox deaf to Ctrl-C).
                MemorySegment empty = arena.allocate(SIGSET_SIZE, 16);
                MemorySegment full = arena.allocate(SIGSET_SIZE, 16);
                check("sigemptyset", (int) SIGEMPTYSET.invokeExact(empty) == 0 ? 0 : Errno.EINVAL);
                check("sigfillset", (int) SIGFILLSET.invokeExact(full) == 0 ? 0 : Errno.EINVAL);
                check("posix_spawnattr_setsigmask", (int) ATTR_SIGMASK.invokeExact(attr, empty));
                check("posix_spawnattr_setsigdefault", (int) ATTR_SIGDEFAULT.invokeExact(attr, full));
                check("posix_spawnattr_setflags", (int) ATTR_FLAGS.invokeExact(attr,
                        (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (newSession ? POSIX_SPAWN_SETSID : 0))));

                MemorySegment pid = arena.allocate(JAVA_INT);
                int r = (int) SPAWN.invokeExact(pid, arena.allocateFrom(path), actions, attr,
                        stringArray(arena, argv), stringArray(arena, env));
                if (r != 0) {
                    throw new NativeException("posix_spawn(" + path + ")", r);
                }
                return pid.get(JAVA_INT, 0);
            } finally {
                int ignoredA = (int) FA_DESTROY.invokeExact(actions);
                int ignoredB = (int) ATTR_DESTROY.invokeExact(attr);
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("posix_spawn", t);
        } finally {
            for (int high : highs) {
                Libc.closeQuietly(high);
            }
        }
    }

    private static void check(String call, int result) throws NativeException {
        // posix_spawn and its helpers return the error number instead of setting errno.
        if (result != 0) {
            throw new NativeException(call, result);
        }
    }

    private static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }
}
