package dev.palisade.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Anonymous in-memory files (memfd_create(2)) and the few descriptor calls needed to fill, seal
 * and read them: write(2), lseek(2), fcntl(2) F_ADD_SEALS, read(2), close(2). Every call's
 * return code is checked and errno captured ({@code Linker.Option.captureCallState}).
 */
@SuppressWarnings("restricted") // FFM downcalls are this class's purpose; native access is enabled for the JVM
public final class Memfd {
    /** {@code MFD_CLOEXEC}: the descriptor never leaks through exec unless dup'ed on purpose. */
    static final int MFD_CLOEXEC = 0x0001;
    /** {@code MFD_ALLOW_SEALING}. */
    static final int MFD_ALLOW_SEALING = 0x0002;
    private static final int F_ADD_SEALS = 1024 + 9;
    private static final int F_SEAL_SEAL = 0x0001;
    private static final int F_SEAL_SHRINK = 0x0002;
    private static final int F_SEAL_GROW = 0x0004;
    private static final int F_SEAL_WRITE = 0x0008;
    private static final int SEEK_SET = 0;
    private static final int EINTR = 4;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle MEMFD_CREATE;
    private static final MethodHandle WRITE;
    private static final MethodHandle READ;
    private static final MethodHandle LSEEK;
    private static final MethodHandle FCNTL_INT;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        MEMFD_CREATE = linker.downcallHandle(libc.findOrThrow("memfd_create"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), errno);
        WRITE = linker.downcallHandle(libc.findOrThrow("write"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG), errno);
        READ = linker.downcallHandle(libc.findOrThrow("read"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG), errno);
        LSEEK = linker.downcallHandle(libc.findOrThrow("lseek"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT), errno);
        // fcntl is variadic: the third argument is the first variadic one (an int here).
        FCNTL_INT = linker.downcallHandle(libc.findOrThrow("fcntl"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT), errno, Linker.Option.firstVariadicArg(2));
        CLOSE = linker.downcallHandle(libc.findOrThrow("close"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
    }

    private Memfd() {
    }

    /**
     * Creates a sealable, close-on-exec memfd (memfd_create(2) with MFD_CLOEXEC|MFD_ALLOW_SEALING).
     *
     * @param name the name shown in /proc/PID/fd ("memfd:NAME")
     * @return the descriptor
     * @throws IOException with errno if the kernel refuses
     */
    public static int create(String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = memfdCreate(st, a.allocateFrom(name), MFD_CLOEXEC | MFD_ALLOW_SEALING);
            if (fd < 0) {
                throw new NativeException("memfd_create(" + name + ")", errno(st));
            }
            return fd;
        }
    }

    /**
     * Writes all bytes at the current offset (write(2), retried on short writes and EINTR).
     *
     * @param fd the descriptor
     * @param data the bytes
     * @throws IOException with errno on failure
     */
    public static void writeAll(int fd, byte[] data) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment buf = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            long off = 0;
            while (off < data.length) {
                long n = write(st, fd, buf.asSlice(off), (long) data.length - off);
                if (n < 0) {
                    int e = errno(st);
                    if (e == EINTR) {
                        continue;
                    }
                    throw new NativeException("write(" + fd + ")", e);
                }
                off += n;
            }
        }
    }

    /**
     * Reads from offset 0 to end of file (lseek(2) then read(2)).
     *
     * @param fd the descriptor
     * @return the bytes
     * @throws IOException with errno on failure
     */
    public static byte[] readAll(int fd) throws IOException {
        rewind(fd);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment buf = a.allocate(65536);
            while (true) {
                long n = read(st, fd, buf, buf.byteSize());
                if (n < 0) {
                    int e = errno(st);
                    if (e == EINTR) {
                        continue;
                    }
                    throw new NativeException("read(" + fd + ")", e);
                }
                if (n == 0) {
                    return out.toByteArray();
                }
                out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    /**
     * Moves the offset to 0 (lseek(2)). A descriptor passed to a child shares this offset, so
     * it must be rewound before the child reads it.
     *
     * @param fd the descriptor
     * @throws IOException with errno on failure
     */
    public static void rewind(int fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            long r = lseek(st, fd, 0L, SEEK_SET);
            if (r < 0) {
                throw new NativeException("lseek(" + fd + ")", errno(st));
            }
        }
    }

    /**
     * Seals the content against any change (fcntl(2) F_ADD_SEALS with WRITE|SHRINK|GROW|SEAL),
     * so whoever receives the descriptor cannot alter it.
     *
     * @param fd a memfd created with MFD_ALLOW_SEALING
     * @throws IOException with errno on failure
     */
    public static void seal(int fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = fcntl(st, fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
            if (r < 0) {
                throw new NativeException("fcntl(" + fd + ", F_ADD_SEALS)", errno(st));
            }
        }
    }

    /**
     * Closes a descriptor (close(2)). EINTR is not retried: on Linux the descriptor is gone anyway.
     *
     * @param fd the descriptor
     * @throws IOException with errno on failure
     */
    public static void close(int fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = close(st, fd);
            if (r < 0 && errno(st) != EINTR) {
                throw new NativeException("close(" + fd + ")", errno(st));
            }
        }
    }

    private static int errno(MemorySegment st) {
        return (int) ERRNO.get(st, 0L);
    }

    // Typed wrappers: invokeExact needs the exact call-site type, and is far cheaper than
    // invokeWithArguments (which boxes and spins an adapter per call).
    private static int memfdCreate(MemorySegment st, MemorySegment name, int flags) {
        try {
            return (int) MEMFD_CREATE.invokeExact(st, name, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long write(MemorySegment st, int fd, MemorySegment buf, long n) {
        try {
            return (long) WRITE.invokeExact(st, fd, buf, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long read(MemorySegment st, int fd, MemorySegment buf, long n) {
        try {
            return (long) READ.invokeExact(st, fd, buf, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long lseek(MemorySegment st, int fd, long off, int whence) {
        try {
            return (long) LSEEK.invokeExact(st, fd, off, whence);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int fcntl(MemorySegment st, int fd, int cmd, int arg) {
        try {
            return (int) FCNTL_INT.invokeExact(st, fd, cmd, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int close(MemorySegment st, int fd) {
        try {
            return (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
