package dev.palisade.guard;

import static dev.palisade.sys.LibcFiles.O_CREAT;
import static dev.palisade.sys.LibcFiles.O_DIRECTORY;
import static dev.palisade.sys.LibcFiles.O_EXCL;
import static dev.palisade.sys.LibcFiles.O_PATH;
import static dev.palisade.sys.LibcFiles.O_RDONLY;
import static dev.palisade.sys.LibcFiles.O_WRONLY;

import dev.palisade.sys.ErrnoException;
import dev.palisade.sys.FileStat;
import dev.palisade.sys.LibcFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Undo for a guarded folder: puts back what the sandbox deleted, truncated or replaced, from the
 * history directory the folder was mounted with. This is what {@code palisade undo SESSION
 * [PATH…]} calls, on the host, while or after the session runs.
 */
public final class History {
    private static final int AT_FDCWD = -100;
    private static final int ENOENT = 2;
    private static final int EEXIST = 17;
    private static final int ENOTDIR = 20;
    private static final int ENOTEMPTY = 39;

    private History() {
    }

    /**
     * Undoes what the sandbox did to the selected paths since the session started: see
     * {@link #restore(Path, Path, Instant, List)} with the epoch.
     *
     * @param historyDir the history directory given to {@link GuardedFolder#mount}
     * @param hostFolder the host folder it guarded
     * @param paths paths relative to the folder or absolute host paths inside it; a directory
     *     selects everything below it; empty selects everything
     * @return the paths put back or removed, relative to the folder
     * @throws IOException if the history cannot be read or a path cannot be restored
     */
    public static List<String> restore(Path historyDir, Path hostFolder, List<String> paths) throws IOException {
        return restore(historyDir, hostFolder, Instant.EPOCH, paths);
    }

    /**
     * Puts the selected paths back into the state they had at {@code since}, as far as the
     * history recorded it: for each path the first record made at or after {@code since} is the
     * state it had then. A file, symlink or directory is put back (file content byte for byte, its
     * permission bits without set-id bits, its mtime); a path the sandbox created after
     * {@code since} is removed again (directories only when empty). Whatever is at a path now is
     * replaced atomically by rename. Paths are resolved below the folder without following
     * symlinks, so a link the sandbox left cannot redirect the restore. Not undone: writes past
     * the history bound, and the moves of whole directories (their contents are restored under
     * the names they had when they were deleted or overwritten).
     *
     * @param historyDir the history directory given to {@link GuardedFolder#mount}
     * @param hostFolder the host folder it guarded
     * @param since the moment to go back to ({@code Instant.EPOCH}: the start of the session)
     * @param paths paths relative to the folder or absolute host paths inside it; a directory
     *     selects everything below it; empty selects everything
     * @return the paths put back or removed, relative to the folder, in the order handled
     * @throws IOException if the history cannot be read or a path cannot be restored
     */
    public static List<String> restore(Path historyDir, Path hostFolder, Instant since, List<String> paths)
            throws IOException {
        Path indexFile = historyDir.resolve(HistoryLog.INDEX);
        List<String> wanted = new ArrayList<>();
        for (String p : paths) {
            wanted.add(relative(hostFolder, p));
        }
        Map<String, HistoryEntry> first = new HashMap<>();
        if (Files.exists(indexFile)) {
            for (String line : Files.readAllLines(indexFile, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                HistoryEntry e = HistoryEntry.parse(line);
                if (e.time() >= since.toEpochMilli() && selected(wanted, e.path())) {
                    first.merge(e.path(), e, (a, b) -> a.seq() < b.seq() ? a : b);
                }
            }
        }
        Comparator<HistoryEntry> byDepth = Comparator.comparingInt((HistoryEntry e) -> RuleBook.segments(e.path())
                .size()).thenComparing(HistoryEntry::path);
        List<HistoryEntry> removals = new ArrayList<>();
        List<HistoryEntry> puts = new ArrayList<>();
        for (HistoryEntry e : first.values()) {
            (e.kind() == 'N' ? removals : puts).add(e);
        }
        removals.sort(byDepth.reversed());
        puts.sort(byDepth);
        List<String> done = new ArrayList<>();
        try (HostTree tree = new HostTree(hostFolder.toRealPath());
                Arena arena = Arena.ofConfined()) {
            for (HistoryEntry e : removals) {
                if (remove(tree, e)) {
                    done.add(e.path());
                }
            }
            for (HistoryEntry e : puts) {
                restoreOne(tree, historyDir, e, arena);
                done.add(e.path());
            }
        }
        return done;
    }

    private static boolean selected(List<String> wanted, String path) {
        return wanted.isEmpty() || wanted.stream().anyMatch(w -> w.isEmpty() || path.equals(w)
                || path.startsWith(w + "/"));
    }

    /** Removes a path the sandbox created; false when it is already gone or a non-empty directory. */
    private static boolean remove(HostTree tree, HistoryEntry e) throws IOException {
        List<String> rel = RuleBook.segments(e.path());
        try (HostTree.At at = tree.parent(rel)) {
            FileStat st = LibcFiles.statx(at.dirFd(), at.name(), false);
            LibcFiles.unlinkat(at.dirFd(), at.name(), st.isDirectory() ? LibcFiles.AT_REMOVEDIR : 0);
            return true;
        } catch (ErrnoException x) {
            if (x.errno() == ENOENT || x.errno() == ENOTEMPTY || x.errno() == ENOTDIR) {
                return false;
            }
            throw x;
        }
    }

    private static String relative(Path hostFolder, String p) {
        Path given = Path.of(p);
        String rel;
        if (given.isAbsolute()) {
            Path abs = given.normalize();
            Path root = hostFolder.toAbsolutePath().normalize();
            if (!abs.startsWith(root)) {
                throw new IllegalArgumentException("not inside " + root + ": " + p);
            }
            rel = root.relativize(abs).toString();
        } else {
            rel = given.normalize().toString();
        }
        if (rel.equals("..") || rel.startsWith("../")) {
            throw new IllegalArgumentException("path leaves the folder: " + p);
        }
        return String.join("/", RuleBook.segments(rel.equals(".") ? "" : rel));
    }

    private static HostTree.At ensureParent(HostTree tree, List<String> rel) throws ErrnoException {
        for (int k = 1; k < rel.size(); k++) {
            try {
                LibcFiles.closeQuietly(tree.open(rel.subList(0, k), O_PATH | O_DIRECTORY, 0));
            } catch (ErrnoException e) {
                if (e.errno() != ENOENT) {
                    throw e;
                }
                try (HostTree.At at = tree.parent(rel.subList(0, k))) {
                    LibcFiles.mkdirat(at.dirFd(), at.name(), 0755);
                }
            }
        }
        return tree.parent(rel);
    }

    private static void restoreOne(HostTree tree, Path historyDir, HistoryEntry e, Arena arena) throws IOException {
        List<String> rel = RuleBook.segments(e.path());
        int mode = e.mode() & 01777;
        try (HostTree.At at = ensureParent(tree, rel)) {
            if (e.kind() == 'D') {
                try {
                    LibcFiles.mkdirat(at.dirFd(), at.name(), mode);
                } catch (ErrnoException x) {
                    if (x.errno() != EEXIST) {
                        throw x;
                    }
                }
                LibcFiles.fchmodat(at.dirFd(), at.name(), mode);
                return;
            }
            String tmp = ".palisade-restore-" + e.seq();
            if (e.kind() == 'L') {
                LibcFiles.symlinkat(e.target(), at.dirFd(), tmp);
            } else {
                Path blob = historyDir.resolve(HistoryLog.BLOBS).resolve(Long.toString(e.seq()));
                int in = LibcFiles.openat2(AT_FDCWD, blob.toAbsolutePath().toString(), O_RDONLY, 0, 0);
                int out = -1;
                try {
                    out = LibcFiles.openat2(at.dirFd(), tmp, O_WRONLY | O_CREAT | O_EXCL, 0600, HostTree.RESOLVE);
                    HistoryLog.copy(in, out, arena.allocate(1 << 20));
                    LibcFiles.fsync(out, false);
                } finally {
                    LibcFiles.closeQuietly(in);
                    LibcFiles.closeQuietly(out);
                }
                LibcFiles.fchmodat(at.dirFd(), tmp, mode);
                LibcFiles.utimensat(at.dirFd(), tmp, 0, LibcFiles.UTIME_OMIT, e.mtimeSec(), e.mtimeNsec());
            }
            LibcFiles.renameat2(at.dirFd(), tmp, at.dirFd(), at.name(), 0);
        }
    }
}
