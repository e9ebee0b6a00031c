package dev.palisade.guard;

import static dev.palisade.sys.LibcFiles.O_DIRECTORY;
import static dev.palisade.sys.LibcFiles.O_NOFOLLOW;
import static dev.palisade.sys.LibcFiles.O_PATH;
import static dev.palisade.sys.LibcFiles.RESOLVE_BENEATH;
import static dev.palisade.sys.LibcFiles.RESOLVE_NO_MAGICLINKS;
import static dev.palisade.sys.LibcFiles.RESOLVE_NO_SYMLINKS;

import dev.palisade.sys.ErrnoException;
import dev.palisade.sys.LibcFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * The host folder, reached only through a descriptor of its root opened once. Every path is
 * resolved with openat2(2) and {@code RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS}: a symlink swapped into any component at any moment makes the call fail
 * with ELOOP instead of leading outside (the kernel checks during the walk, so there is no window
 * between check and use). The last component is then handled with an *at() call relative to the
 * parent's descriptor with AT_SYMLINK_NOFOLLOW / O_NOFOLLOW semantics.
 */
final class HostTree implements AutoCloseable {
    /** Resolution restrictions used for every lookup. */
    static final long RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    private static final int AT_FDCWD = -100;

    private final Path root;
    private final int rootFd;

    HostTree(Path root) throws ErrnoException {
        this.root = root;
        this.rootFd = LibcFiles.openat2(AT_FDCWD, root.toString(), O_PATH | O_DIRECTORY, 0, 0);
    }

    Path root() {
        return root;
    }

    int rootFd() {
        return rootFd;
    }

    /** The host path of a relative path (for events). */
    Path hostPath(List<String> rel) {
        return rel.isEmpty() ? root : root.resolve(String.join("/", rel));
    }

    /** A directory descriptor plus the last name: the handle every mutating call works on. */
    record At(int dirFd, String name) implements AutoCloseable {
        @Override
        public void close() {
            LibcFiles.closeQuietly(dirFd);
        }
    }

    /**
     * Opens the parent of a non-root path as an O_PATH descriptor.
     *
     * @param rel the path's segments, not empty
     * @return the parent descriptor and the last name
     * @throws ErrnoException ENOENT, ENOTDIR, ELOOP (a symlink in the way), EXDEV (an escape)
     */
    At parent(List<String> rel) throws ErrnoException {
        String dir = rel.size() == 1 ? "." : String.join("/", rel.subList(0, rel.size() - 1));
        int fd = LibcFiles.openat2(rootFd, dir, O_PATH | O_DIRECTORY, 0, RESOLVE);
        return new At(fd, rel.getLast());
    }

    /**
     * Opens a path (the root when empty) with the given flags; never follows a symlink.
     *
     * @param rel the path
     * @param flags open flags
     * @param mode creation mode
     * @return the descriptor
     * @throws ErrnoException as openat2(2)
     */
    int open(List<String> rel, int flags, int mode) throws ErrnoException {
        String p = rel.isEmpty() ? "." : String.join("/", rel);
        return LibcFiles.openat2(rootFd, p, flags | O_NOFOLLOW, mode, RESOLVE);
    }

    @Override
    public void close() {
        LibcFiles.closeQuietly(rootFd);
    }
}
