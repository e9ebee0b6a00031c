package dev.palisade.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls Palisade makes directly: process control and raw descriptors. Every call checks
 * its return value and reports errno through {@link NativeException}.
 */
@SuppressWarnings("restricted") // FFM downcalls are this package's purpose
public final class Libc {
    /** close-on-exec flag for pipe2(2) and friends. */
    public static final int O_CLOEXEC = 0x80000;
    /** fcntl(2): duplicate to the lowest free descriptor at or above the argument, close-on-exec. */
    static final int F_DUPFD_CLOEXEC = 1030;
    /** waitpid(2) option: return at once when no child has changed state. */
    public static final int WNOHANG = 1;
    /** open(2) flags. */
    public static final int O_RDONLY = 0;
    /** open(2): write only. */
    public static final int O_WRONLY = 1;
    /** open(2): read and write. */
    public static final int O_RDWR = 2;
    /** open(2): create if missing. */
    public static final int O_CREAT = 0x40;
    /** open(2): truncate. */
    public static final int O_TRUNC = 0x200;
    /** open(2): append. */
    public static final int O_APPEND = 0x400;

    static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle WAITPID = errnoCall("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle KILL = errnoCall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PIPE2 = errnoCall("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = errnoCall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = errnoCall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FCNTL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN = LINKER.downcallHandle(
            LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle GETEUID = plainCall("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEGID = plainCall("getegid", FunctionDescriptor.of(JAVA_INT));

    private Libc() {
    }

    static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, ERRNO);
    }

    static MethodHandle plainCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd);
    }

    static MemorySegment newState(Arena arena) {
        return arena.allocate(STATE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO_HANDLE.get(state, 0L);
    }

    /** The effective user id of this process. */
    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("geteuid", t);
        }
    }

    /** The effective group id of this process. */
    public static int getegid() {
        try {
            return (int) GETEGID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("getegid", t);
        }
    }

    /**
     * Opens a file as a raw descriptor, close-on-exec (open(2)); for handing files to a sandboxed
     * command as its stdio.
     *
     * @param path the file
     * @param flags {@link #O_RDONLY}, {@link #O_WRONLY} … ({@link #O_CLOEXEC} is always added)
     * @param mode permission bits when the file is created
     * @return the descriptor
     * @throws NativeException on failure
     */
    public static int open(String path, int flags, int mode) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = newState(arena);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags | O_CLOEXEC, mode);
            if (fd < 0) {
                throw new NativeException("open(" + path + ")", errno(state));
            }
            return fd;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("open", t);
        }
    }

    /**
     * Waits for a child (waitpid(2)), retrying on EINTR.
     *
     * @param pid the child
     * @param options 0 to block, or {@link #WNOHANG}
     * @return the raw wait status, or -1 when WNOHANG and the child is still running
     * @throws NativeException on failure (ECHILD when it is not our child)
     */
    public static int waitpid(int pid, int options) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment state = newState(arena);
            while (true) {
                int r = (int) WAITPID.invokeExact(state, pid, status, options);
                if (r > 0) {
                    return status.get(JAVA_INT, 0);
                }
                if (r == 0) {
                    return -1;
                }
                int e = errno(state);
                if (e != Errno.EINTR) {
                    throw new NativeException("waitpid(" + pid + ")", e);
                }
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("waitpid", t);
        }
    }

    /**
     * Sends a signal (kill(2)); a negative pid addresses a process group.
     *
     * @param pid the process, or minus the process group
     * @param signal the signal number
     * @throws NativeException on failure (ESRCH when it is gone)
     */
    public static void kill(int pid, int signal) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = newState(arena);
            int r = (int) KILL.invokeExact(state, pid, signal);
            if (r != 0) {
                throw new NativeException("kill(" + pid + ", " + signal + ")", errno(state));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("kill", t);
        }
    }

    /**
     * Creates a close-on-exec pipe (pipe2(2)).
     *
     * @return {read end, write end}
     * @throws NativeException on failure
     */
    public static int[] pipe() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            MemorySegment state = newState(arena);
            int r = (int) PIPE2.invokeExact(state, fds, O_CLOEXEC);
            if (r != 0) {
                throw new NativeException("pipe2", errno(state));
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pipe2", t);
        }
    }

    /**
     * Closes a descriptor (close(2)). EINTR is not retried: on Linux the descriptor is gone.
     *
     * @param fd the descriptor; negative values are ignored
     * @throws NativeException on failure
     */
    public static void close(int fd) throws NativeException {
        if (fd < 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = newState(arena);
            int r = (int) CLOSE.invokeExact(state, fd);
            if (r != 0 && errno(state) != Errno.EINTR) {
                throw new NativeException("close(" + fd + ")", errno(state));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("close", t);
        }
    }

    /** Closes a descriptor, ignoring errors; for cleanup paths that already report another failure. */
    public static void closeQuietly(int fd) {
        try {
            close(fd);
        } catch (NativeException ignored) {
            // Cleanup after another failure: the first error is the one worth reporting.
        }
    }

    /**
     * Duplicates a descriptor to a number at or above {@code minFd}, close-on-exec (fcntl(2)).
     *
     * @param fd the descriptor
     * @param minFd the lowest acceptable number
     * @return the new descriptor
     * @throws NativeException on failure
     */
    public static int dupCloexec(int fd, int minFd) throws NativeException {
        return fcntl(fd, F_DUPFD_CLOEXEC, minFd, "fcntl(F_DUPFD_CLOEXEC)");
    }

    /** fcntl(2) F_SETPIPE_SZ (Linux 2.6.35). */
    static final int F_SETPIPE_SZ = 1031;

    /**
     * Sets a pipe's capacity (fcntl(2) F_SETPIPE_SZ); an unprivileged process may go up to
     * /proc/sys/fs/pipe-max-size (1 MiB by default).
     *
     * @param fd either end of the pipe
     * @param bytes the wanted capacity
     * @return the capacity the kernel set (a power of two, at least {@code bytes})
     * @throws NativeException on failure (EPERM above the limit, EBUSY if the pipe holds more)
     */
    public static int setPipeSize(int fd, int bytes) throws NativeException {
        return fcntl(fd, F_SETPIPE_SZ, bytes, "fcntl(F_SETPIPE_SZ)");
    }

    /** fcntl(2) with an int argument; returns its non-negative result or throws with errno. */
    private static int fcntl(int fd, int cmd, int arg, String what) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = newState(arena);
            int r = (int) FCNTL.invokeExact(state, fd, cmd, arg);
            if (r < 0) {
                throw new NativeException(what, errno(state));
            }
            return r;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("fcntl", t);
        }
    }

    /**
     * Reads up to {@code max} bytes (read(2)), retrying on EINTR.
     *
     * @param fd the descriptor
     * @param max the most to read
     * @return the bytes read; empty at end of file
     * @throws NativeException on failure
     */
    public static byte[] read(int fd, int max) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(max);
            long n = read(fd, buf);
            return buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    /**
     * Reads into a caller's buffer (read(2)), retrying on EINTR: for hot loops that reuse one
     * native buffer instead of allocating per call.
     *
     * @param fd the descriptor
     * @param buf where the bytes go; at most its size is read
     * @return the number of bytes read; 0 at end of file
     * @throws NativeException on failure
     */
    public static long read(int fd, MemorySegment buf) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = newState(arena);
            while (true) {
                long n = (long) READ.invokeExact(state, fd, buf, buf.byteSize());
                if (n >= 0) {
                    return n;
                }
                int e = errno(state);
                if (e != Errno.EINTR) {
                    throw new NativeException("read(" + fd + ")", e);
                }
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("read", t);
        }
    }

    /**
     * Writes all of {@code data} (write(2)), retrying on EINTR and short writes.
     *
     * @param fd the descriptor
     * @param data the bytes
     * @throws NativeException on failure
     */
    public static void writeAll(int fd, byte[] data) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, data);
            MemorySegment state = newState(arena);
            long off = 0;
            while (off < data.length) {
                long n = (long) WRITE.invokeExact(state, fd, buf.asSlice(off), data.length - off);
                if (n >= 0) {
                    off += n;
                    continue;
                }
                int e = errno(state);
                if (e != Errno.EINTR) {
                    throw new NativeException("write(" + fd + ")", e);
                }
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("write", t);
        }
    }
}
