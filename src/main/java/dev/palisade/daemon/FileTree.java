package dev.palisade.daemon;

import static dev.palisade.sys.LibcFiles.O_DIRECTORY;
import static dev.palisade.sys.LibcFiles.O_NOFOLLOW;
import static dev.palisade.sys.LibcFiles.O_PATH;
import static dev.palisade.sys.LibcFiles.RESOLVE_BENEATH;
import static dev.palisade.sys.LibcFiles.RESOLVE_NO_MAGICLINKS;
import static dev.palisade.sys.LibcFiles.RESOLVE_NO_SYMLINKS;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.palisade.paths.Mount;
import dev.palisade.sys.ErrnoException;
import dev.palisade.sys.FileStat;
import dev.palisade.sys.LibcFiles;

/**
 * The session's folders, each reached only through an O_PATH descriptor of its root opened when
 * the session was created. Every lookup is openat2(2) relative to that descriptor with
 * {@code RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS}: the kernel refuses a
 * symlink in any component during the walk itself (ELOOP), and any escape (EXDEV), so a symlink
 * swapped in between a check and the use cannot lead out. The last component is then used with an
 * *at() call on the parent's descriptor and O_NOFOLLOW / AT_SYMLINK_NOFOLLOW. openat2 needs Linux
 * 5.6, as the file guard does.
 */
final class FileTree implements AutoCloseable {
    static final long RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    /** open(2) O_NONBLOCK: opening a FIFO must not wait for a writer. */
    static final int O_NONBLOCK = 04000;
    private static final int AT_FDCWD = -100;

    private final Map<String, Integer> roots = new HashMap<>();
    /** Operations hold the read lock; close takes the write lock so no descriptor is closed in use. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    FileTree(List<Mount> mounts) throws ErrnoException {
        try {
            for (Mount m : mounts) {
                roots.put(m.name(), LibcFiles.openat2(AT_FDCWD, m.hostPath().toString(),
                        O_PATH | O_DIRECTORY | O_NOFOLLOW, 0, 0));
            }
        } catch (ErrnoException e) {
            close();
            throw e;
        }
    }

    /** An operation on the tree, run under the read lock. */
    interface Op<T> {
        T run() throws ProtocolException, ErrnoException;
    }

    <T> T with(FileTarget t, Op<T> op) throws ProtocolException {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new ProtocolException("no-such-session", "the session is closing");
            }
            return op.run();
        } catch (ErrnoException e) {
            if (e.errno() == 20 && finalSymlink(t)) {
                // O_DIRECTORY | O_NOFOLLOW on a symlink fails with ENOTDIR, not ELOOP (open(2)).
                throw new ProtocolException("symlink", t.describe() + " is a symlink (symlinks are not followed)");
            }
            throw error(e, t);
        } finally {
            lock.readLock().unlock();
        }
    }

    private boolean finalSymlink(FileTarget t) {
        try {
            return !t.rel().isEmpty() && lstat(t).isSymlink();
        } catch (ErrnoException e) {
            return false;
        }
    }

    int root(FileTarget t) {
        return roots.get(t.mount().name());
    }

    /** Opens the target (the root for an empty path), never following a symlink in any component. */
    int open(FileTarget t, int flags, int mode) throws ErrnoException {
        return LibcFiles.openat2(root(t), t.relPath(), flags | O_NOFOLLOW, mode, RESOLVE);
    }

    /** Opens the target's parent directory as an O_PATH descriptor; the target must not be the root. */
    int parent(FileTarget t) throws ErrnoException {
        List<String> rel = t.rel();
        String dir = rel.size() == 1 ? "." : String.join("/", rel.subList(0, rel.size() - 1));
        return LibcFiles.openat2(root(t), dir, O_PATH | O_DIRECTORY, 0, RESOLVE);
    }

    /** lstat of the target: a final symlink is reported, not followed. */
    FileStat lstat(FileTarget t) throws ErrnoException {
        if (t.rel().isEmpty()) {
            return LibcFiles.statx(root(t), "", true);
        }
        int p = parent(t);
        try {
            return LibcFiles.statx(p, t.name(), false);
        } finally {
            LibcFiles.closeQuietly(p);
        }
    }

    /**
     * The file API error of a failed call (errno(3) numbers are the same on x86-64 and aarch64).
     */
    static ProtocolException error(ErrnoException e, FileTarget t) {
        String where = t == null ? "" : t.describe() + ": ";
        return switch (e.errno()) {
            case 40 -> new ProtocolException("symlink", where + "a symlink is in the path (symlinks are not followed)");
            case 18 -> new ProtocolException("path-traversal", where + "the path leaves its folder");
            case 2 -> new ProtocolException("not-found", where + "no such file or directory");
            case 20 -> new ProtocolException("not-a-directory", where + "a component is not a directory");
            case 21 -> new ProtocolException("is-a-directory", where + "is a directory");
            case 17 -> new ProtocolException("exists", where + "already exists");
            case 39 -> new ProtocolException("not-empty", where + "directory not empty");
            case 30 -> new ProtocolException("read-only", where + "read-only file system");
            case 27, 28 -> new ProtocolException("too-large", where + "file too large or no space left (errno "
                    + e.errno() + ")");
            default -> new ProtocolException("io-error", where + e.getMessage());
        };
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
            for (int fd : roots.values()) {
                LibcFiles.closeQuietly(fd);
            }
            roots.clear();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
