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
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records the previous state of paths the sandbox deletes, truncates or replaces, in the
 * session's history directory on the host (outside every sandbox): an append-only index
 * ({@value #INDEX}) and one blob per saved file content ({@value #BLOBS}/SEQ). Deleted files are
 * moved there with renameat2(2) when history and folder share a file system (no copy), replaced
 * and renamed-away files are hard-linked, truncated or rewritten files are copied (once per path
 * and mount for rewrites in place), and created paths are recorded as not having existed. Bounded by {@code keepHistoryBytes}: past
 * the bound the operation still happens, without a saved copy, and a warning is logged once.
 */
final class HistoryLog implements AutoCloseable {
    static final String INDEX = "index.tsv";
    static final String BLOBS = "blobs";
    private static final System.Logger LOG = System.getLogger(HistoryLog.class.getName());
    private static final int AT_FDCWD = -100;
    private static final int EXDEV = 18;
    private static final int CHUNK = 1 << 20;

    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicBoolean warned = new AtomicBoolean();
    private final FileChannel index;
    private final int blobsFd;

    HistoryLog(Path dir, long maxBytes) throws IOException {
        this.maxBytes = maxBytes;
        Path blobs = dir.resolve(BLOBS);
        Files.createDirectories(blobs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path indexFile = dir.resolve(INDEX);
        if (Files.exists(indexFile)) { // a second mount in the same session continues the numbering
            for (String line : Files.readAllLines(indexFile, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    HistoryEntry e = HistoryEntry.parse(line);
                    seq.accumulateAndGet(e.seq(), Math::max);
                    used.addAndGet(e.size());
                }
            }
        }
        this.index = FileChannel.open(indexFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        this.blobsFd = LibcFiles.openat2(AT_FDCWD, blobs.toAbsolutePath().toString(), O_PATH | O_DIRECTORY, 0, 0);
    }

    private boolean reserve(long bytes) {
        while (true) {
            long u = used.get();
            if (u + bytes > maxBytes) {
                if (warned.compareAndSet(false, true)) {
                    LOG.log(System.Logger.Level.WARNING, "file history is full ({0} bytes): later deletes and "
                            + "overwrites are not kept", maxBytes);
                }
                return false;
            }
            if (used.compareAndSet(u, u + bytes)) {
                return true;
            }
        }
    }

    private void append(HistoryEntry e) throws IOException {
        ByteBuffer line = ByteBuffer.wrap(e.toLine().getBytes(StandardCharsets.UTF_8));
        synchronized (index) {
            while (line.hasRemaining()) {
                index.write(line);
            }
        }
    }

    private static HistoryEntry entry(long seq, char kind, FileStat st, List<String> rel, String target) {
        return new HistoryEntry(seq, System.currentTimeMillis(), kind, st.mode() & 07777, st.mtimeSec(), st.mtimeNsec(),
                kind == 'F' ? st.size() : 0, String.join("/", rel), target);
    }

    /**
     * Moves a regular file into history instead of unlinking it.
     *
     * @return true when the name is gone from the folder (moved); false when the caller must still
     *     unlink it (history full, or a copy was taken across file systems)
     */
    boolean moveOnDelete(HostTree.At at, List<String> rel, FileStat st) throws IOException {
        if (!reserve(st.size())) {
            return false;
        }
        long s = seq.incrementAndGet();
        try {
            LibcFiles.renameat2(at.dirFd(), at.name(), blobsFd, Long.toString(s), LibcFiles.RENAME_NOREPLACE);
        } catch (ErrnoException e) {
            if (e.errno() != EXDEV) {
                used.addAndGet(-st.size());
                throw e;
            }
            copyAt(at, s);
            append(entry(s, 'F', st, rel, ""));
            return false;
        }
        append(entry(s, 'F', st, rel, ""));
        return true;
    }

    /** Keeps the content of a file about to be replaced or moved by a rename: a hard link, or a copy. */
    void keepReplaced(HostTree.At at, List<String> rel, FileStat st) throws IOException {
        if (!reserve(st.size())) {
            return;
        }
        long s = seq.incrementAndGet();
        try {
            LibcFiles.linkat(at.dirFd(), at.name(), blobsFd, Long.toString(s));
        } catch (ErrnoException e) {
            copyAt(at, s); // EXDEV, or protected_hardlinks refusing a file of another owner
        }
        append(entry(s, 'F', st, rel, ""));
    }

    /** Keeps a copy of the content behind an open descriptor about to be truncated. */
    void keepBeforeTruncate(int fd, List<String> rel, FileStat st) throws IOException {
        if (st.size() == 0 || !reserve(st.size())) {
            return;
        }
        long s = seq.incrementAndGet();
        copyFd(fd, s);
        append(entry(s, 'F', st, rel, ""));
    }

    /** Keeps a copy of a named file about to be truncated. */
    void keepBeforeTruncate(HostTree.At at, List<String> rel, FileStat st) throws IOException {
        if (st.size() == 0 || !reserve(st.size())) {
            return;
        }
        long s = seq.incrementAndGet();
        copyAt(at, s);
        append(entry(s, 'F', st, rel, ""));
    }

    /** Records that a path the sandbox is creating did not exist (undo removes it again). */
    void recordCreated(List<String> rel) throws IOException {
        append(new HistoryEntry(seq.incrementAndGet(), System.currentTimeMillis(), 'N', 0, 0, 0, 0,
                String.join("/", rel), ""));
    }

    /** Records a removed directory (so that undo recreates empty ones too). */
    void recordDirectory(List<String> rel, FileStat st) throws IOException {
        append(entry(seq.incrementAndGet(), 'D', st, rel, ""));
    }

    /** Records a removed or replaced symlink. */
    void recordSymlink(List<String> rel, FileStat st, String target) throws IOException {
        append(entry(seq.incrementAndGet(), 'L', st, rel, target));
    }

    private void copyAt(HostTree.At at, long s) throws IOException {
        int in = LibcFiles.openat2(at.dirFd(), at.name(), O_RDONLY | LibcFiles.O_NOFOLLOW, 0, HostTree.RESOLVE);
        try {
            copyFd(in, s);
        } finally {
            LibcFiles.closeQuietly(in);
        }
    }

    private void copyFd(int in, long s) throws IOException {
        int out = LibcFiles.openat2(blobsFd, Long.toString(s), O_WRONLY | O_CREAT | O_EXCL, 0600, HostTree.RESOLVE);
        try (Arena arena = Arena.ofConfined()) {
            copy(in, out, arena.allocate(CHUNK));
            LibcFiles.close(out);
            out = -1;
        } finally {
            LibcFiles.closeQuietly(out);
        }
    }

    /** Copies all of {@code in} (from offset 0) to {@code out} with pread/pwrite. */
    static void copy(int in, int out, MemorySegment buf) throws ErrnoException {
        long off = 0;
        while (true) {
            long n = LibcFiles.pread(in, buf, buf.byteSize(), off);
            if (n == 0) {
                return;
            }
            long w = 0;
            while (w < n) {
                w += LibcFiles.pwrite(out, buf.asSlice(w), n - w, off + w);
            }
            off += n;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            index.force(true);
            index.close();
        } finally {
            LibcFiles.closeQuietly(blobsFd);
        }
    }
}
