package dev.palisade.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Resource limits of another process, set with prlimit(2). Used on the sandbox's first process
 * before it forks the command, so that everything in the sandbox inherits them (getrlimit(2):
 * "a child process created via fork(2) inherits its parent's resource limits").
 */
@SuppressWarnings("restricted") // FFM downcalls are this package's purpose
public final class Rlimits {
    /** Largest size of a file the process may create (SIGXFSZ / EFBIG beyond it). */
    public static final int RLIMIT_FSIZE = 1;
    /** Largest core dump; 0 means none. */
    public static final int RLIMIT_CORE = 4;
    /** Tasks of the real uid; counted per user namespace since Linux 5.14 (ucounts). */
    public static final int RLIMIT_NPROC = 6;
    /** One more than the highest descriptor number the process may open. */
    public static final int RLIMIT_NOFILE = 7;
    /** Largest virtual address space of one process. */
    public static final int RLIMIT_AS = 9;
    /** RLIM_INFINITY on Linux x86_64. */
    public static final long INFINITY = -1L;

    /** prlimit(pid_t, int resource, const struct rlimit *new, struct rlimit *old); struct rlimit is two rlim_t (u64). */
    private static final MethodHandle PRLIMIT = Libc.errnoCall("prlimit",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    private Rlimits() {
    }

    /**
     * Sets both the soft and the hard limit of a resource of a process (prlimit(2)). Lowering needs
     * no privilege when the target runs as the caller's uid; raising the hard limit needs
     * CAP_SYS_RESOURCE.
     *
     * @param pid the process (0 for the caller)
     * @param resource one of the {@code RLIMIT_} constants
     * @param value the new soft and hard limit, or {@link #INFINITY}
     * @throws NativeException on failure (EPERM, ESRCH, EINVAL)
     */
    public static void set(int pid, int resource, long value) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(JAVA_LONG, 2);
            limit.setAtIndex(JAVA_LONG, 0, value);
            limit.setAtIndex(JAVA_LONG, 1, value);
            MemorySegment state = Libc.newState(arena);
            int r = (int) PRLIMIT.invokeExact(state, pid, resource, limit, MemorySegment.NULL);
            if (r != 0) {
                throw new NativeException("prlimit(" + pid + ", " + resource + ")", Libc.errno(state));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("prlimit", t);
        }
    }

    /**
     * Reads the soft and hard limit of a resource (prlimit(2) with no new value).
     *
     * @param pid the process (0 for the caller)
     * @param resource one of the {@code RLIMIT_} constants
     * @return {soft, hard}; {@link #INFINITY} for unlimited
     * @throws NativeException on failure
     */
    public static long[] get(int pid, int resource) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(JAVA_LONG, 2);
            MemorySegment state = Libc.newState(arena);
            int r = (int) PRLIMIT.invokeExact(state, pid, resource, MemorySegment.NULL, old);
            if (r != 0) {
                throw new NativeException("prlimit(" + pid + ", " + resource + ")", Libc.errno(state));
            }
            return new long[] {old.getAtIndex(JAVA_LONG, 0), old.getAtIndex(JAVA_LONG, 1)};
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("prlimit", t);
        }
    }
}
