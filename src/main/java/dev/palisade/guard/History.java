package dev.palisade.guard;

import static dev.palisade.sys.LibcFiles.O_CREAT;
import static dev.palisade.sys.LibcFiles.O_DIRECTORY;
import static dev.palisade.sys.LibcFiles.O_EXCL;
import static dev.palisade.sys.LibcFiles.O_PATH;
import static dev.palisade.sys.LibcFiles.O_RDONLY;
import static dev.palisade.sys.LibcFiles.O_WRONLY;

import dev.palisade.sys.ErrnoException;
import dev.palisade.sys.LibcFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private History() {
    }

    /**
     * Restores, for every selected path, the most recent state saved before the sandbox destroyed
     * it: file content byte for byte with its permission bits (set-id bits dropped) and mtime,
     * symlinks, and directories (including empty ones). Whatever is at the path now is replaced
     * (atomically, by rename). Missing parent directories are created. Paths are resolved below
     * the folder without following symlinks, so a link the sandbox left behind cannot redirect
     * the restore.
     *
     * @param historyDir the history directory given to {@link GuardedFolder#mount}
     * @param hostFolder the host folder it guarded
     * @param paths paths to restore, relative to the folder or absolute host paths inside it; a
     *     directory selects everything saved below it; empty selects everything
     * @return the restored paths, relative to the folder, in the order restored
     * @throws IOException if the history cannot be read or a path cannot be restored
     */
    public static List<String> restore(Path historyDir, Path hostFolder, List<String> paths) throws IOException {
        Path indexFile = historyDir.resolve(HistoryLog.INDEX);
        Map<String, HistoryEntry> latest = new HashMap<>();
        if (Files.exists(indexFile)) {
            for (String line : Files.readAllLines(indexFile, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    HistoryEntry e = HistoryEntry.parse(line);
                    latest.merge(e.path(), e, (a, b) -> a.seq() > b.seq() ? a : b);
                }
            }
        }
        List<String> wanted = new ArrayList<>();
        for (String p : paths) {
            wanted.add(relative(hostFolder, p));
        }
        List<HistoryEntry> selected = new ArrayList<>();
        for (HistoryEntry e : latest.values()) {
            if (wanted.isEmpty() || wanted.stream().anyMatch(w -> w.isEmpty() || e.path().equals(w)
                    || e.path().startsWith(w + "/"))) {
                selected.add(e);
            }
        }
        selected.sort(Comparator.comparingInt((HistoryEntry e) -> RuleBook.segments(e.path()).size())
                .thenComparing(HistoryEntry::path));
        List<String> restored = new ArrayList<>();
        try (HostTree tree = new HostTree(hostFolder.toAbsolutePath());
                Arena arena = Arena.ofConfined()) {
            for (HistoryEntry e : selected) {
                restoreOne(tree, historyDir, e, arena);
                restored.add(e.path());
            }
        }
        return restored;
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
