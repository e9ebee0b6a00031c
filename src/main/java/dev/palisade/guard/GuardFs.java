package dev.palisade.guard;

import static dev.palisade.sys.LibcFiles.O_ACCMODE;
import static dev.palisade.sys.LibcFiles.O_CREAT;
import static dev.palisade.sys.LibcFiles.O_DIRECTORY;
import static dev.palisade.sys.LibcFiles.O_EXCL;
import static dev.palisade.sys.LibcFiles.O_RDONLY;
import static dev.palisade.sys.LibcFiles.O_TRUNC;
import static dev.palisade.sys.LibcFiles.O_WRONLY;

import dev.palisade.sys.ErrnoException;
import dev.palisade.sys.FileStat;
import dev.palisade.sys.LibcFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseConfig;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.Statvfs;
import org.cryptomator.jfuse.api.TimeSpec;

/**
 * The guarded passthrough file system: every FUSE request (libfuse high-level API, paths relative
 * to the mount) is checked against the {@link RuleBook} and then performed on the host folder
 * through {@link HostTree}. Mutations that lose data are first saved in the {@link HistoryLog}.
 * Callbacks run on libfuse's worker threads; they return 0 / a count or a negative errno and never
 * throw.
 */
final class GuardFs implements FuseOperations {
    private static final System.Logger LOG = System.getLogger(GuardFs.class.getName());
    static final int EPERM = 1;
    static final int EIO = 5;
    static final int EACCES = 13;
    static final int ENOENT = 2;
    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;

    private final HostTree tree;
    private final RuleBook book;
    private final HistoryLog history; // null when keepHistory is 0
    private final Audit audit;
    private final Errno errno;
    private final Set<String> createdDirs = ConcurrentHashMap.newKeySet();
    private final Set<String> savedInPlace = ConcurrentHashMap.newKeySet();
    /** Renames take it exclusively, link and symlink creation shared: see {@link SymlinkRule}. */
    private final ReentrantReadWriteLock moveLock = new ReentrantReadWriteLock();
    private final ConcurrentHashMap<Long, OpenFile> openFiles = new ConcurrentHashMap<>();

    /** A file the sandbox has open: where, and whether it wrote (for one "modified" per close). */
    private static final class OpenFile {
        final List<String> rel;
        volatile boolean written;

        OpenFile(List<String> rel, boolean written) {
            this.rel = rel;
            this.written = written;
        }
    }

    GuardFs(HostTree tree, RuleBook book, HistoryLog history, Audit audit, Errno errno) {
        this.tree = tree;
        this.book = book;
        this.history = history;
        this.audit = audit;
        this.errno = errno;
    }

    @Override
    public Errno errno() {
        return errno;
    }

    @Override
    public Set<Operation> supportedOperations() {
        return EnumSet.of(Operation.GET_ATTR, Operation.READLINK, Operation.MKDIR, Operation.UNLINK,
                Operation.RMDIR, Operation.SYMLINK, Operation.RENAME, Operation.CHMOD, Operation.CHOWN,
                Operation.TRUNCATE, Operation.OPEN, Operation.READ, Operation.WRITE, Operation.STATFS,
                Operation.FLUSH, Operation.RELEASE, Operation.FSYNC, Operation.OPEN_DIR, Operation.READ_DIR,
                Operation.RELEASE_DIR, Operation.FSYNCDIR, Operation.CREATE, Operation.UTIMENS,
                Operation.INIT, Operation.DESTROY);
    }

    // ---- checks -------------------------------------------------------------------------------

    private int refuse(String action, List<String> rel, String rule, int err) {
        audit.violation(action, rel, rule);
        return -err;
    }

    /** The rule that forbids creating or writing this name, or null. */
    private String newNameRule(List<String> rel, boolean directory) {
        String type = book.blockedType(rel.getLast(), directory);
        if (type != null) {
            return "blockedFileTypes " + type;
        }
        return book.writeRule(rel, createdDirs::contains, directory);
    }

    private String modifyRule(List<String> rel, boolean directory) {
        if (!directory && !rel.isEmpty()) {
            String type = book.blockedType(rel.getLast(), false);
            if (type != null) {
                return "blockedFileTypes " + type;
            }
        }
        return book.writeRule(rel, createdDirs::contains, directory);
    }

    private static int fail(IOException e) {
        if (e instanceof ErrnoException x) {
            return -x.errno();
        }
        LOG.log(System.Logger.Level.WARNING, "file guard I/O failure", e);
        return -EIO;
    }

    private FileStat lstat(List<String> rel) throws ErrnoException {
        if (rel.isEmpty()) {
            return LibcFiles.statx(tree.rootFd(), "", true);
        }
        try (HostTree.At at = tree.parent(rel)) {
            return LibcFiles.statx(at.dirFd(), at.name(), false);
        }
    }

    /** Notes in the history that the sandbox created this path (undo removes it). */
    private void created(List<String> rel) {
        if (history == null) {
            return;
        }
        try {
            history.recordCreated(rel);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "file history: cannot record a creation", e);
        }
    }

    private static String kind(FileStat st) {
        return st.isDirectory() ? "directory" : st.isSymlink() ? "symlink" : "file";
    }

    // ---- metadata -----------------------------------------------------------------------------

    @Override
    public int getattr(String path, Stat stat, FileInfo fi) {
        try {
            FileStat st = lstat(RuleBook.segments(path));
            stat.setMode(st.mode());
            stat.setUid(st.uid());
            stat.setGid(st.gid());
            stat.setNLink((short) Math.min(st.nlink(), Short.MAX_VALUE));
            stat.setSize(st.size());
            stat.aTime().set(Instant.ofEpochSecond(st.atimeSec(), st.atimeNsec()));
            stat.mTime().set(Instant.ofEpochSecond(st.mtimeSec(), st.mtimeNsec()));
            stat.cTime().set(Instant.ofEpochSecond(st.ctimeSec(), st.ctimeNsec()));
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int readlink(String path, ByteBuffer buf, long len) {
        List<String> rel = RuleBook.segments(path);
        if (rel.isEmpty()) {
            return -errno.einval();
        }
        try (HostTree.At at = tree.parent(rel)) {
            byte[] target = LibcFiles.readlinkat(at.dirFd(), at.name()).getBytes(StandardCharsets.UTF_8);
            int n = (int) Math.min(target.length, len - 1);
            buf.put(0, target, 0, n);
            buf.put(n, (byte) 0);
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int statfs(String path, Statvfs statvfs) {
        try {
            long[] v = LibcFiles.fstatvfs(tree.rootFd());
            statvfs.setBsize(v[0]);
            statvfs.setFrsize(v[1]);
            statvfs.setBlocks(v[2]);
            statvfs.setBfree(v[3]);
            statvfs.setBavail(v[4]);
            statvfs.setNameMax(v[10]);
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int chmod(String path, int mode, FileInfo fi) {
        List<String> rel = RuleBook.segments(path);
        try {
            FileStat st = lstat(rel);
            if ((mode & S_ISUID) != 0 || ((mode & S_ISGID) != 0 && !st.isDirectory())) {
                return refuse("chmod", rel, "set-user-ID and set-group-ID files are refused", EPERM);
            }
            String rule = modifyRule(rel, st.isDirectory());
            if (rule != null) {
                return refuse("chmod", rel, rule, EACCES);
            }
            if (rel.isEmpty()) {
                return -EPERM; // the folder root's mode belongs to the host
            }
            try (HostTree.At at = tree.parent(rel)) {
                LibcFiles.fchmodat(at.dirFd(), at.name(), mode & 07777);
            }
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int chown(String path, int uid, int gid, FileInfo fi) {
        try {
            FileStat st = lstat(RuleBook.segments(path));
            boolean same = (uid == -1 || uid == st.uid()) && (gid == -1 || gid == st.gid());
            return same ? 0 : -EPERM; // ownership of host files is not the sandbox's to give away
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
        List<String> rel = RuleBook.segments(path);
        try {
            FileStat st = lstat(rel);
            String rule = modifyRule(rel, st.isDirectory());
            if (rule != null) {
                return refuse("utimens", rel, rule, EACCES);
            }
            long[] a = times(atime);
            long[] m = times(mtime);
            if (rel.isEmpty()) {
                int fd = tree.open(rel, O_RDONLY | O_DIRECTORY, 0);
                try {
                    LibcFiles.utimensat(fd, null, a[0], a[1], m[0], m[1]);
                } finally {
                    LibcFiles.closeQuietly(fd);
                }
                return 0;
            }
            try (HostTree.At at = tree.parent(rel)) {
                LibcFiles.utimensat(at.dirFd(), at.name(), a[0], a[1], m[0], m[1]);
            }
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    private static long[] times(TimeSpec t) {
        if (t.isUtimeNow()) {
            return new long[] {0, LibcFiles.UTIME_NOW};
        }
        if (t.isUtimeOmit()) {
            return new long[] {0, LibcFiles.UTIME_OMIT};
        }
        Instant i = t.get();
        return new long[] {i.getEpochSecond(), i.getNano()};
    }

    // ---- names --------------------------------------------------------------------------------

    @Override
    public int mkdir(String path, int mode) {
        List<String> rel = RuleBook.segments(path);
        if (rel.isEmpty()) {
            return -errno.eexist();
        }
        String rule = newNameRule(rel, true);
        if (rule != null) {
            return refuse("mkdir", rel, rule, EACCES);
        }
        try (HostTree.At at = tree.parent(rel)) {
            LibcFiles.mkdirat(at.dirFd(), at.name(), mode & 03777 & ~S_ISUID);
        } catch (IOException e) {
            return fail(e);
        }
        createdDirs.add(String.join("/", rel));
        created(rel);
        audit.file("created", rel, "directory");
        return 0;
    }

    /** mknod(2): regular files are created like {@link #create}; FIFOs, sockets and devices refused. */
    int mknodRequest(String path, int mode, long rdev) {
        List<String> rel = RuleBook.segments(path);
        if ((mode & LibcFiles.S_IFMT) != LibcFiles.S_IFREG && (mode & LibcFiles.S_IFMT) != 0) {
            return refuse("mknod", rel, "special files (FIFO, socket, device) are refused", EPERM);
        }
        if (rel.isEmpty()) {
            return -errno.eexist();
        }
        String rule = newNameRule(rel, false);
        if (rule != null) {
            return refuse("create", rel, rule, EACCES);
        }
        try {
            LibcFiles.close(tree.open(rel, O_WRONLY | O_CREAT | O_EXCL, mode & 0777));
        } catch (IOException e) {
            return fail(e);
        }
        created(rel);
        audit.file("created", rel, "file");
        return 0;
    }

    @Override
    public int symlink(String target, String linkname) {
        List<String> rel = RuleBook.segments(linkname);
        if (rel.isEmpty()) {
            return -errno.eexist();
        }
        String rule = newNameRule(rel, false);
        if (rule != null) {
            return refuse("symlink", rel, rule, EACCES);
        }
        moveLock.readLock().lock();
        try {
            if (!SymlinkRule.allowed(target, rel.size() - 1)) {
                return refuse("symlink", rel, "symlink target leaves the folder: " + target, EPERM);
            }
            try (HostTree.At at = tree.parent(rel)) {
                LibcFiles.symlinkat(target, at.dirFd(), at.name());
            }
            created(rel);
        } catch (IOException e) {
            return fail(e);
        } finally {
            moveLock.readLock().unlock();
        }
        audit.file("created", rel, "symlink");
        return 0;
    }

    /** link(2): a new name for a file inside the folder; both names are checked. */
    @Override
    public int link(String from, String to) {
        List<String> src = RuleBook.segments(from);
        List<String> dst = RuleBook.segments(to);
        if (src.isEmpty() || dst.isEmpty()) {
            return -EPERM;
        }
        moveLock.readLock().lock();
        try {
            FileStat st = lstat(src);
            String rule = newNameRule(dst, false);
            if (rule != null) {
                return refuse("link", dst, rule, EACCES);
            }
            // a second name would make a protected or denied file writable through it
            rule = modifyRule(src, false);
            if (rule != null) {
                return refuse("link", src, rule, EACCES);
            }
            if (st.isSymlink()) {
                try (HostTree.At at = tree.parent(src)) {
                    String target = LibcFiles.readlinkat(at.dirFd(), at.name());
                    if (!SymlinkRule.allowed(target, dst.size() - 1)) {
                        return refuse("link", dst, "symlink target leaves the folder: " + target, EPERM);
                    }
                }
            }
            try (HostTree.At a = tree.parent(src); HostTree.At b = tree.parent(dst)) {
                LibcFiles.linkat(a.dirFd(), a.name(), b.dirFd(), b.name());
            }
            created(dst);
            audit.file("created", dst, kind(st));
            return 0;
        } catch (IOException e) {
            return fail(e);
        } finally {
            moveLock.readLock().unlock();
        }
    }

    @Override
    public int unlink(String path) {
        List<String> rel = RuleBook.segments(path);
        if (rel.isEmpty()) {
            return -errno.eisdir();
        }
        try (HostTree.At at = tree.parent(rel)) {
            FileStat st = LibcFiles.statx(at.dirFd(), at.name(), false);
            String rule = book.writeRule(rel, createdDirs::contains, true);
            if (rule != null) {
                return refuse("unlink", rel, rule, EACCES);
            }
            boolean gone = false;
            String target = null;
            if (history != null && st.isRegular()) {
                gone = history.moveOnDelete(at, rel, st);
            } else if (history != null && st.isSymlink()) {
                target = LibcFiles.readlinkat(at.dirFd(), at.name());
            }
            if (!gone) {
                LibcFiles.unlinkat(at.dirFd(), at.name(), 0);
            }
            if (target != null) {
                history.recordSymlink(rel, st, target);
            }
            audit.file("deleted", rel, kind(st));
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int rmdir(String path) {
        List<String> rel = RuleBook.segments(path);
        if (rel.isEmpty()) {
            return -errno.enotempty();
        }
        String rule = book.writeRule(rel, createdDirs::contains, true);
        if (rule != null) {
            return refuse("rmdir", rel, rule, EACCES);
        }
        try (HostTree.At at = tree.parent(rel)) {
            FileStat st = LibcFiles.statx(at.dirFd(), at.name(), false);
            LibcFiles.unlinkat(at.dirFd(), at.name(), LibcFiles.AT_REMOVEDIR);
            if (history != null) {
                history.recordDirectory(rel, st);
            }
            audit.file("deleted", rel, "directory");
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int rename(String oldpath, String newpath, int flags) {
        List<String> src = RuleBook.segments(oldpath);
        List<String> dst = RuleBook.segments(newpath);
        if (src.isEmpty() || dst.isEmpty()) {
            return -errno.einval();
        }
        moveLock.writeLock().lock();
        try (HostTree.At a = tree.parent(src); HostTree.At b = tree.parent(dst)) {
            FileStat st = LibcFiles.statx(a.dirFd(), a.name(), false);
            int refused = checkMove(src, dst, st);
            if (refused != 0) {
                return refused;
            }
            FileStat old = null;
            try {
                old = LibcFiles.statx(b.dirFd(), b.name(), false);
            } catch (ErrnoException e) {
                if (e.errno() != ENOENT) {
                    throw e;
                }
            }
            boolean exchange = (flags & LibcFiles.RENAME_EXCHANGE) != 0;
            if (exchange && old != null) {
                refused = checkMove(dst, src, old);
                if (refused != 0) {
                    return refused;
                }
            } else if (old != null) {
                String rule = book.writeRule(dst, createdDirs::contains, true);
                if (rule != null) {
                    return refuse("rename", dst, rule, EACCES);
                }
            }
            if (history != null && !exchange) {
                saveBeforeMove(a, src, st);
                if (old == null) {
                    history.recordCreated(dst);
                } else {
                    saveBeforeMove(b, dst, old);
                }
            }
            LibcFiles.renameat2(a.dirFd(), a.name(), b.dirFd(), b.name(), flags);
            audit.renamed(src, dst, kind(st));
            if (exchange && old != null) {
                audit.renamed(dst, src, kind(old));
            }
            return 0;
        } catch (IOException e) {
            return fail(e);
        } finally {
            moveLock.writeLock().unlock();
        }
    }

    /** Keeps what a rename takes away from a path: the file (hard link), link target or directory. */
    private void saveBeforeMove(HostTree.At at, List<String> rel, FileStat st) throws IOException {
        if (st.isRegular()) {
            history.keepReplaced(at, rel, st);
        } else if (st.isSymlink()) {
            history.recordSymlink(rel, st, LibcFiles.readlinkat(at.dirFd(), at.name()));
        } else if (st.isDirectory()) {
            history.recordDirectory(rel, st);
        }
    }

    /** Checks moving the object {@code st} from {@code src} to {@code dst}; 0 or a negative errno. */
    private int checkMove(List<String> src, List<String> dst, FileStat st) throws IOException {
        boolean dir = st.isDirectory();
        String rule = book.writeRule(src, createdDirs::contains, true);
        if (rule == null && dir) {
            rule = book.renameDirRule(src);
        }
        if (rule != null) {
            return refuse("rename", src, rule, EACCES);
        }
        rule = newNameRule(dst, dir);
        if (rule == null && dir) {
            rule = book.renameDirRule(dst);
        }
        if (rule != null) {
            return refuse("rename", dst, rule, EACCES);
        }
        if (st.isSymlink()) {
            try (HostTree.At a = tree.parent(src)) {
                String target = LibcFiles.readlinkat(a.dirFd(), a.name());
                if (!SymlinkRule.allowed(target, dst.size() - 1)) {
                    return refuse("rename", dst, "symlink target leaves the folder: " + target, EPERM);
                }
            }
        } else if (dir && dst.size() < src.size()) {
            String escaping = LinkWalk.firstEscaping(tree, src, dst.size() - src.size());
            if (escaping != null) {
                return refuse("rename", dst, "a symlink inside would leave the folder: " + escaping, EPERM);
            }
        }
        return 0;
    }

    // ---- files --------------------------------------------------------------------------------

    /**
     * The open flags passed on to the host. openat2(2) rejects unknown bits with EINVAL, and the
     * kernel forwards internal ones (exec opens carry __FMODE_EXEC, 040); O_DIRECT is dropped
     * because FUSE buffers are not aligned for it, O_NOATIME because it needs ownership.
     */
    private static final int PASSED_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | LibcFiles.O_APPEND
            | 04000 /* O_NONBLOCK */ | 010000 /* O_DSYNC */ | 04010000 /* O_SYNC */ | 0100000 /* O_LARGEFILE */;

    private static boolean writes(int flags) {
        return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
    }

    @Override
    public int create(String path, int mode, FileInfo fi) {
        List<String> rel = RuleBook.segments(path);
        if (rel.isEmpty()) {
            return -errno.eisdir();
        }
        if ((fi.getFlags() & O_EXCL) == 0) {
            try {
                lstat(rel);
                return open(path, fi); // created by someone else since the kernel's lookup
            } catch (ErrnoException e) {
                if (e.errno() != ENOENT) {
                    return -e.errno();
                }
            }
        }
        String rule = newNameRule(rel, false);
        if (rule != null) {
            return refuse("create", rel, rule, EACCES);
        }
        int flags = fi.getFlags() & PASSED_FLAGS;
        try {
            int fd = tree.open(rel, flags | O_CREAT, mode & 0777);
            fi.setFh(fd);
            openFiles.put((long) fd, new OpenFile(rel, false));
        } catch (IOException e) {
            return fail(e);
        }
        created(rel);
        audit.file("created", rel, "file");
        return 0;
    }

    @Override
    public int open(String path, FileInfo fi) {
        List<String> rel = RuleBook.segments(path);
        int flags = fi.getFlags() & PASSED_FLAGS & ~(O_CREAT | O_EXCL);
        boolean writing = writes(flags);
        try {
            if (writing) {
                String rule = modifyRule(rel, false);
                if (rule != null) {
                    return refuse("open-write", rel, rule, EACCES);
                }
            }
            boolean truncating = (flags & O_TRUNC) != 0;
            if (writing && history != null && !rel.isEmpty()
                    && (truncating || savedInPlace.add(String.join("/", rel)))) {
                // truncation loses the content now; a rewrite in place may, so keep a copy once
                try (HostTree.At at = tree.parent(rel)) {
                    FileStat st = LibcFiles.statx(at.dirFd(), at.name(), false);
                    if (st.isRegular()) {
                        history.keepBeforeTruncate(at, rel, st);
                    }
                }
            }
            int fd = tree.open(rel, flags, 0);
            fi.setFh(fd);
            openFiles.put((long) fd, new OpenFile(rel, (flags & O_TRUNC) != 0));
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int truncate(String path, long size, FileInfo fi) {
        List<String> rel = RuleBook.segments(path);
        String rule = modifyRule(rel, false);
        if (rule != null) {
            return refuse("truncate", rel, rule, EACCES);
        }
        try {
            int fd = fi != null ? (int) fi.getFh() : tree.open(rel, O_WRONLY, 0);
            try {
                if (history != null) {
                    FileStat st = LibcFiles.statx(fd, "", true);
                    if (size < st.size()) {
                        history.keepBeforeTruncate(fd, rel, st);
                    }
                }
                LibcFiles.ftruncate(fd, size);
            } finally {
                if (fi == null) {
                    LibcFiles.closeQuietly(fd);
                }
            }
            OpenFile of = fi != null ? openFiles.get(fi.getFh()) : null;
            if (of != null) {
                of.written = true;
            } else {
                audit.file("modified", rel, "file");
            }
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int read(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        try {
            MemorySegment seg = MemorySegment.ofBuffer(buf);
            long n = LibcFiles.pread((int) fi.getFh(), seg, Math.min(size, seg.byteSize()), offset);
            return (int) n;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int write(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        try {
            MemorySegment seg = MemorySegment.ofBuffer(buf);
            long len = Math.min(size, seg.byteSize());
            long done = 0;
            while (done < len) {
                done += LibcFiles.pwrite((int) fi.getFh(), seg.asSlice(done), len - done, offset + done);
            }
            OpenFile of = openFiles.get(fi.getFh());
            if (of != null) {
                of.written = true;
            }
            return (int) done;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int flush(String path, FileInfo fi) {
        return 0;
    }

    @Override
    public int fsync(String path, int datasync, FileInfo fi) {
        try {
            LibcFiles.fsync((int) fi.getFh(), datasync != 0);
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int release(String path, FileInfo fi) {
        OpenFile of = openFiles.remove(fi.getFh());
        try {
            LibcFiles.close((int) fi.getFh());
        } catch (IOException e) {
            return fail(e);
        } finally {
            if (of != null && of.written) {
                audit.file("modified", of.rel, "file");
            }
        }
        return 0;
    }

    // ---- directories --------------------------------------------------------------------------

    @Override
    public int opendir(String path, FileInfo fi) {
        try {
            fi.setFh(tree.open(RuleBook.segments(path), O_RDONLY | O_DIRECTORY, 0));
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
        int fd = (int) fi.getFh();
        try (Arena arena = Arena.ofConfined()) {
            LibcFiles.rewind(fd, 0);
            MemorySegment buf = arena.allocate(32 * 1024, 8);
            while (true) {
                long n = LibcFiles.getdents64(fd, buf);
                if (n == 0) {
                    return 0;
                }
                long pos = 0;
                while (pos < n) {
                    // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos + 16));
                    String name = buf.asSlice(pos + 19).getString(0);
                    if (filler.fill(name, st -> { }, 0, 0) != 0) {
                        return -errno.enomem();
                    }
                    pos += reclen;
                }
            }
        } catch (IOException e) {
            return fail(e);
        }
    }

    @Override
    public int releasedir(String path, FileInfo fi) {
        LibcFiles.closeQuietly((int) fi.getFh());
        return 0;
    }

    @Override
    public int fsyncdir(String path, int datasync, FileInfo fi) {
        try {
            LibcFiles.fsync((int) fi.getFh(), datasync != 0);
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    /**
     * Asks for 1 MiB requests (the kernel caps it with its max_pages): eight times fewer round
     * trips for sequential I/O than libfuse's 128 KiB default.
     */
    @Override
    public void init(FuseConnInfo conn, FuseConfig config) {
        conn.setMaxWrite(1 << 20);
        conn.setMaxReadahead(1 << 20);
    }

    @Override
    public void destroy() {
        openFiles.clear();
    }
}
