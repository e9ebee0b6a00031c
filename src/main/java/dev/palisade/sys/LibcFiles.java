package dev.palisade.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The descriptor-relative ("*at") file system calls of libc that the file guard needs, bound with
 * FFM. Every call is checked: failure throws {@link ErrnoException} carrying errno (captured with
 * {@code Linker.Option.captureCallState("errno")}, never read later from a thread-local that the
 * JVM may have clobbered).
 *
 * <p>Path arguments are single names or relative paths resolved against a directory descriptor;
 * the caller (the guard's {@code HostTree}) resolves directories with {@link #openat2} and
 * {@code RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS}, so no call here follows a symlink the sandbox
 * planted.
 */
@SuppressWarnings("restricted") // this class is the FFM boundary: restricted calls are its purpose
public final class LibcFiles {
    /** openat(2) flags, Linux generic values (x86-64 and aarch64 agree). */
    public static final int O_RDONLY = 0;
    /** Write only. */
    public static final int O_WRONLY = 1;
    /** Read and write. */
    public static final int O_RDWR = 2;
    /** Access mode mask. */
    public static final int O_ACCMODE = 3;
    /** Create. */
    public static final int O_CREAT = 0100;
    /** Fail if it exists. */
    public static final int O_EXCL = 0200;
    /** Do not make it the controlling terminal. */
    public static final int O_NOCTTY = 0400;
    /** Truncate. */
    public static final int O_TRUNC = 01000;
    /** Append. */
    public static final int O_APPEND = 02000;
    /** Must be a directory. */
    public static final int O_DIRECTORY = 0200000;
    /** Fail on a symlink in the last component. */
    public static final int O_NOFOLLOW = 0400000;
    /** Close on exec. */
    public static final int O_CLOEXEC = 02000000;
    /** A location-only descriptor. */
    public static final int O_PATH = 010000000;

    /** openat2(2) resolve flags: stay below the directory. */
    public static final long RESOLVE_BENEATH = 0x08;
    /** No symlinks in any component. */
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    /** No /proc magic links. */
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;

    /** Do not follow a symlink in the last component. */
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    /** unlinkat: remove a directory. */
    public static final int AT_REMOVEDIR = 0x200;
    /** Operate on the descriptor itself. */
    public static final int AT_EMPTY_PATH = 0x1000;
    /** renameat2(2): fail if the target exists. */
    public static final int RENAME_NOREPLACE = 1;
    /** renameat2(2): swap the two names. */
    public static final int RENAME_EXCHANGE = 2;

    /** File type bits of st_mode (inode(7)). */
    public static final int S_IFMT = 0170000;
    /** Regular file. */
    public static final int S_IFREG = 0100000;
    /** Directory. */
    public static final int S_IFDIR = 0040000;
    /** Symbolic link. */
    public static final int S_IFLNK = 0120000;

    private static final long SYS_OPENAT2 = 437; // same number on every architecture since 5.6
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final long STATX_SIZE = 256;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SYSCALL_OPENAT2 = handle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MKDIRAT = handle("mkdirat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINKAT = handle("unlinkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RENAMEAT2 = handle("renameat2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LINKAT = handle("linkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SYMLINKAT = handle("symlinkat",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle READLINKAT = handle("readlinkat",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle STATX = handle("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FCHMODAT = handle("fchmodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle UTIMENSAT = handle("utimensat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle PREAD = handle("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = handle("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FSYNC = handle("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FDATASYNC = handle("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FTRUNCATE = handle("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle GETDENTS64 = handle("getdents64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle LSEEK = handle("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FSTATVFS = handle("fstatvfs",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle COPY_FILE_RANGE = handle("copy_file_range",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private LibcFiles() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static MemorySegment capture(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO_HANDLE.get(capture, 0L);
    }

    private static long check(String call, long result, MemorySegment capture) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(call, errno(capture));
        }
        return result;
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }

    /**
     * openat2(2): opens {@code path} relative to {@code dirfd} with {@code resolve} restrictions.
     *
     * @param dirfd directory descriptor
     * @param path relative path ("." for the directory itself)
     * @param flags open flags (O_CLOEXEC is always added)
     * @param mode creation mode
     * @param resolve RESOLVE_* flags
     * @return the new descriptor
     * @throws ErrnoException with errno on failure (ELOOP for a symlink, EXDEV for an escape)
     */
    public static int openat2(int dirfd, String path, int flags, int mode, long resolve) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment how = arena.allocate(24, 8); // struct open_how { u64 flags, mode, resolve }
            how.set(JAVA_LONG, 0, Integer.toUnsignedLong(flags | O_CLOEXEC));
            how.set(JAVA_LONG, 8, Integer.toUnsignedLong(mode));
            how.set(JAVA_LONG, 16, resolve);
            MemorySegment cap = capture(arena);
            long r = (long) SYSCALL_OPENAT2.invokeExact(cap, SYS_OPENAT2, (long) dirfd,
                    arena.allocateFrom(path), how, 24L);
            return (int) check("openat2", r, cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * close(2).
     *
     * @param fd descriptor
     * @throws ErrnoException on failure (EIO reports a lost write on some file systems)
     */
    public static void close(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            check("close", (int) CLOSE.invokeExact(cap, fd), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** close(2), ignoring failure: for cleanup paths where an earlier error is already reported. */
    public static void closeQuietly(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            close(fd);
        } catch (ErrnoException ignored) {
            // the descriptor is released even when close reports an error (close(2), NOTES)
        }
    }

    /**
     * mkdirat(2).
     *
     * @param dirfd parent directory
     * @param name new name
     * @param mode permission bits
     * @throws ErrnoException on failure
     */
    public static void mkdirat(int dirfd, String name, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            check("mkdirat", (int) MKDIRAT.invokeExact(cap, dirfd, arena.allocateFrom(name), mode), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * unlinkat(2).
     *
     * @param dirfd parent directory
     * @param name the name to remove
     * @param flags 0 or AT_REMOVEDIR
     * @throws ErrnoException on failure
     */
    public static void unlinkat(int dirfd, String name, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            check("unlinkat", (int) UNLINKAT.invokeExact(cap, dirfd, arena.allocateFrom(name), flags), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * renameat2(2).
     *
     * @param olddirfd source directory
     * @param oldname source name
     * @param newdirfd target directory
     * @param newname target name
     * @param flags 0, RENAME_NOREPLACE or RENAME_EXCHANGE
     * @throws ErrnoException on failure
     */
    public static void renameat2(int olddirfd, String oldname, int newdirfd, String newname, int flags)
            throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            check("renameat2", (int) RENAMEAT2.invokeExact(cap, olddirfd, arena.allocateFrom(oldname),
                    newdirfd, arena.allocateFrom(newname), flags), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * linkat(2) without AT_SYMLINK_FOLLOW: links the named inode itself.
     *
     * @param olddirfd source directory
     * @param oldname source name
     * @param newdirfd target directory
     * @param newname target name
     * @throws ErrnoException on failure
     */
    public static void linkat(int olddirfd, String oldname, int newdirfd, String newname) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            check("linkat", (int) LINKAT.invokeExact(cap, olddirfd, arena.allocateFrom(oldname),
                    newdirfd, arena.allocateFrom(newname), 0), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * symlinkat(2).
     *
     * @param target the link's content
     * @param dirfd parent directory
     * @param name new name
     * @throws ErrnoException on failure
     */
    public static void symlinkat(String target, int dirfd, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            check("symlinkat", (int) SYMLINKAT.invokeExact(cap, arena.allocateFrom(target), dirfd,
                    arena.allocateFrom(name)), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * readlinkat(2).
     *
     * @param dirfd parent directory
     * @param name the link
     * @return the target bytes decoded as UTF-8
     * @throws ErrnoException on failure
     */
    public static String readlinkat(int dirfd, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            MemorySegment buf = arena.allocate(4096);
            long n = check("readlinkat", (long) READLINKAT.invokeExact(cap, dirfd, arena.allocateFrom(name),
                    buf, 4096L), cap);
            return new String(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    StandardCharsets.UTF_8);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * statx(2) without following a symlink in the last component.
     *
     * @param dirfd directory
     * @param name name relative to it, or "" with {@code emptyPath} for the descriptor itself
     * @param emptyPath whether to stat {@code dirfd} itself (AT_EMPTY_PATH)
     * @return the attributes
     * @throws ErrnoException on failure
     */
    public static FileStat statx(int dirfd, String name, boolean emptyPath) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            MemorySegment buf = arena.allocate(STATX_SIZE, 8);
            int flags = AT_SYMLINK_NOFOLLOW | (emptyPath ? AT_EMPTY_PATH : 0);
            check("statx", (int) STATX.invokeExact(cap, dirfd, arena.allocateFrom(name), flags,
                    STATX_BASIC_STATS, buf), cap);
            // struct statx, linux/stat.h: offsets are architecture independent.
            return new FileStat(
                    Short.toUnsignedInt(buf.get(JAVA_SHORT, 28)),
                    buf.get(JAVA_INT, 20), buf.get(JAVA_INT, 24),
                    Integer.toUnsignedLong(buf.get(JAVA_INT, 16)),
                    buf.get(JAVA_LONG, 40), buf.get(JAVA_LONG, 32),
                    buf.get(JAVA_LONG, 64), buf.get(JAVA_INT, 72),
                    buf.get(JAVA_LONG, 112), buf.get(JAVA_INT, 120),
                    buf.get(JAVA_LONG, 96), buf.get(JAVA_INT, 104));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * fchmodat(2) with AT_SYMLINK_NOFOLLOW (glibc ≥ 2.32 implements it; EOPNOTSUPP on a symlink).
     *
     * @param dirfd parent directory
     * @param name the file
     * @param mode permission bits
     * @throws ErrnoException on failure
     */
    public static void fchmodat(int dirfd, String name, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            check("fchmodat", (int) FCHMODAT.invokeExact(cap, dirfd, arena.allocateFrom(name), mode,
                    AT_SYMLINK_NOFOLLOW), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** utimensat(2) special nanosecond value: set to the current time. */
    public static final long UTIME_NOW = (1L << 30) - 1;
    /** utimensat(2) special nanosecond value: leave unchanged. */
    public static final long UTIME_OMIT = (1L << 30) - 2;

    /**
     * utimensat(2) with AT_SYMLINK_NOFOLLOW.
     *
     * @param dirfd parent directory
     * @param name the file, or null for {@code dirfd} itself (then it must not be an O_PATH descriptor)
     * @param atimeSec access time seconds
     * @param atimeNsec access time nanoseconds, or UTIME_NOW / UTIME_OMIT
     * @param mtimeSec modification time seconds
     * @param mtimeNsec modification time nanoseconds, or UTIME_NOW / UTIME_OMIT
     * @throws ErrnoException on failure
     */
    public static void utimensat(int dirfd, String name, long atimeSec, long atimeNsec, long mtimeSec,
            long mtimeNsec) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            MemorySegment times = arena.allocate(32, 8);
            times.set(JAVA_LONG, 0, atimeSec);
            times.set(JAVA_LONG, 8, atimeNsec);
            times.set(JAVA_LONG, 16, mtimeSec);
            times.set(JAVA_LONG, 24, mtimeNsec);
            MemorySegment p = name == null ? MemorySegment.NULL : arena.allocateFrom(name);
            check("utimensat", (int) UTIMENSAT.invokeExact(cap, dirfd, p, times,
                    name == null ? 0 : AT_SYMLINK_NOFOLLOW), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * pread(2) into native memory.
     *
     * @param fd descriptor
     * @param buf destination (native)
     * @param count bytes wanted
     * @param offset file offset
     * @return bytes read, 0 at end of file
     * @throws ErrnoException on failure
     */
    public static long pread(int fd, MemorySegment buf, long count, long offset) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            return check("pread", (long) PREAD.invokeExact(cap, fd, buf, count, offset), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * pwrite(2) from native memory.
     *
     * @param fd descriptor
     * @param buf source (native)
     * @param count bytes to write
     * @param offset file offset
     * @return bytes written
     * @throws ErrnoException on failure
     */
    public static long pwrite(int fd, MemorySegment buf, long count, long offset) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            return check("pwrite", (long) PWRITE.invokeExact(cap, fd, buf, count, offset), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * fsync(2), or fdatasync(2) when {@code dataOnly}.
     *
     * @param fd descriptor
     * @param dataOnly whether metadata may be skipped
     * @throws ErrnoException on failure
     */
    public static void fsync(int fd, boolean dataOnly) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            int r = dataOnly ? (int) FDATASYNC.invokeExact(cap, fd) : (int) FSYNC.invokeExact(cap, fd);
            check(dataOnly ? "fdatasync" : "fsync", r, cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * ftruncate(2).
     *
     * @param fd descriptor open for writing
     * @param length new length
     * @throws ErrnoException on failure
     */
    public static void ftruncate(int fd, long length) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            check("ftruncate", (int) FTRUNCATE.invokeExact(cap, fd, length), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * getdents64(2).
     *
     * @param fd directory descriptor
     * @param buf buffer for {@code struct linux_dirent64} records
     * @return bytes filled, 0 at the end
     * @throws ErrnoException on failure
     */
    public static long getdents64(int fd, MemorySegment buf) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            return check("getdents64", (long) GETDENTS64.invokeExact(cap, fd, buf, buf.byteSize()), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * lseek(2) to an absolute offset.
     *
     * @param fd descriptor
     * @param offset position (SEEK_SET)
     * @throws ErrnoException on failure
     */
    public static void rewind(int fd, long offset) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            check("lseek", (long) LSEEK.invokeExact(cap, fd, offset, 0), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * fstatvfs(3). Layout of {@code struct statvfs} on 64-bit Linux: eleven unsigned longs.
     *
     * @param fd any descriptor on the file system
     * @return {bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax}
     * @throws ErrnoException on failure
     */
    public static long[] fstatvfs(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            MemorySegment buf = arena.allocate(112, 8);
            check("fstatvfs", (int) FSTATVFS.invokeExact(cap, fd, buf), cap);
            long[] out = new long[11];
            for (int i = 0; i < out.length; i++) {
                out[i] = buf.get(JAVA_LONG, i * 8L);
            }
            return out;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * copy_file_range(2) using the descriptors' own offsets.
     *
     * @param in source descriptor
     * @param out destination descriptor
     * @param length most bytes to copy
     * @return bytes copied, 0 at the source's end
     * @throws ErrnoException on failure (EXDEV/EINVAL/ENOSYS: the caller falls back to read/write)
     */
    public static long copyFileRange(int in, int out, long length) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = capture(arena);
            return check("copy_file_range", (long) COPY_FILE_RANGE.invokeExact(cap, in, MemorySegment.NULL,
                    out, MemorySegment.NULL, length, 0), cap);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
