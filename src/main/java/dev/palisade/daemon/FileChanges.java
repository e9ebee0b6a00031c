package dev.palisade.daemon;

import static dev.palisade.sys.LibcFiles.O_DIRECTORY;
import static dev.palisade.sys.LibcFiles.O_NOFOLLOW;
import static dev.palisade.sys.LibcFiles.O_RDONLY;

import java.util.ArrayList;
import java.util.List;

import dev.palisade.sys.ErrnoException;
import dev.palisade.sys.FileStat;
import dev.palisade.sys.LibcFiles;

/**
 * The file API's changes to the tree: mkdir, move, delete. Like {@link FileOps}: rules on the
 * lexical target, then *at() calls on descriptors of the parent, never following a symlink.
 */
final class FileChanges {
    /** Deepest directory nesting a recursive delete descends into. */
    private static final int MAX_DEPTH = 256;
    private final FileTree tree;
    private final FileRules rules;

    FileChanges(FileOps ops) {
        this.tree = ops.tree();
        this.rules = ops.rules();
    }

    String mkdir(FileTarget t, boolean parents) throws ProtocolException {
        if (t.rel().isEmpty()) {
            if (parents) {
                return "{}";
            }
            throw new ProtocolException("exists", t.describe() + " is a folder root");
        }
        List<FileTarget> chain = new ArrayList<>();
        for (int k = parents ? 1 : t.rel().size(); k <= t.rel().size(); k++) {
            List<String> rel = t.rel().subList(0, k);
            String tail = String.join("/", rel);
            chain.add(new FileTarget(t.mount(), rel, t.sandbox().substring(0, t.sandbox().length()
                    - String.join("/", t.rel()).length()) + tail, t.mount().hostPath().resolve(tail)));
        }
        return tree.with(t, () -> {
            for (FileTarget step : chain) {
                int dir = tree.parent(step);
                try {
                    if (parents && exists(dir, step)) {
                        continue;
                    }
                    rules.checkWrite(step, true, true);
                    LibcFiles.mkdirat(dir, step.name(), 0755);
                } catch (ErrnoException e) {
                    throw FileTree.error(e, step);
                } finally {
                    LibcFiles.closeQuietly(dir);
                }
            }
            return "{}";
        });
    }

    /** Whether a directory exists at the step; a non-directory there is an error. */
    private static boolean exists(int dir, FileTarget step) throws ProtocolException, ErrnoException {
        FileStat st;
        try {
            st = LibcFiles.statx(dir, step.name(), false);
        } catch (ErrnoException e) {
            if (e.errno() == 2) {
                return false;
            }
            throw e;
        }
        if (st.isSymlink()) {
            throw new ProtocolException("symlink", step.describe() + " is a symlink");
        }
        if (!st.isDirectory()) {
            throw new ProtocolException("not-a-directory", step.describe() + " exists and is not a directory");
        }
        return true;
    }

    String move(FileTarget from, FileTarget to) throws ProtocolException {
        FileStat st = tree.with(from, () -> tree.lstat(from));
        if (st.isSymlink()) {
            throw new ProtocolException("symlink", from.describe() + " is a symlink; symlinks are not moved");
        }
        boolean dir = st.isDirectory();
        rules.checkWrite(from, dir, false);
        rules.checkWrite(to, dir, true);
        if (dir) {
            rules.checkDirectoryChange(from);
            rules.checkDirectoryChange(to);
        }
        return tree.with(from, () -> {
            int a = tree.parent(from);
            try {
                int b;
                try {
                    b = tree.parent(to);
                } catch (ErrnoException e) {
                    throw FileTree.error(e, to);
                }
                try {
                    // RENAME_NOREPLACE (rename(2)): a move never replaces an existing file.
                    LibcFiles.renameat2(a, from.name(), b, to.name(), LibcFiles.RENAME_NOREPLACE);
                } catch (ErrnoException e) {
                    throw FileTree.error(e, e.errno() == 17 ? to : from);
                } finally {
                    LibcFiles.closeQuietly(b);
                }
            } finally {
                LibcFiles.closeQuietly(a);
            }
            return "{}";
        });
    }

    String delete(FileTarget t, boolean recursive) throws ProtocolException {
        rules.checkRead(t);
        FileStat st = tree.with(t, () -> tree.lstat(t));
        rules.checkWrite(t, st.isDirectory(), false);
        if (st.isDirectory() && recursive) {
            rules.checkDirectoryChange(t);
        }
        return tree.with(t, () -> {
            int dir = tree.parent(t);
            try {
                if (st.isDirectory() && recursive) {
                    deleteTree(dir, t, t.rel(), 0);
                } else {
                    // A symlink is removed itself (unlinkat never follows it).
                    LibcFiles.unlinkat(dir, t.name(), st.isDirectory() ? LibcFiles.AT_REMOVEDIR : 0);
                }
            } finally {
                LibcFiles.closeQuietly(dir);
            }
            return "{}";
        });
    }

    private void deleteTree(int parentFd, FileTarget top, List<String> rel, int depth)
            throws ProtocolException, ErrnoException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException("io-error", top.describe() + ": nested deeper than " + MAX_DEPTH + " levels");
        }
        int fd = LibcFiles.openat2(parentFd, rel.getLast(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, FileTree.RESOLVE);
        try {
            for (String name : FileOps.names(fd)) {
                List<String> child = new ArrayList<>(rel);
                child.add(name);
                FileStat st = LibcFiles.statx(fd, name, false);
                rules.checkDeleteBelow(top, child, st.isDirectory());
                if (st.isDirectory()) {
                    deleteTree(fd, top, child, depth + 1);
                } else {
                    LibcFiles.unlinkat(fd, name, 0);
                }
            }
        } finally {
            LibcFiles.closeQuietly(fd);
        }
        LibcFiles.unlinkat(parentFd, rel.getLast(), LibcFiles.AT_REMOVEDIR);
    }
}
