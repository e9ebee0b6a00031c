package dev.palisade.daemon;

import static dev.palisade.sys.LibcFiles.O_CREAT;
import static dev.palisade.sys.LibcFiles.O_DIRECTORY;
import static dev.palisade.sys.LibcFiles.O_RDONLY;
import static dev.palisade.sys.LibcFiles.O_WRONLY;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.TreeMap;

import dev.palisade.sys.ErrnoException;
import dev.palisade.sys.FileStat;
import dev.palisade.sys.LibcFiles;

/**
 * The file API's reads: stat, list, read, write. Each checks the session's rules on the lexical
 * target first, then does the work through {@link FileTree} descriptors; properties that only the
 * opened file can tell (its type, its link count) are checked on the descriptor itself with
 * statx(2) AT_EMPTY_PATH, so a file swapped after the check is still the one judged.
 */
final class FileOps {
    /** Most bytes one read returns and one write takes. */
    static final int MAX_CHUNK = 524_288;
    private final FileTree tree;
    private final FileRules rules;

    FileOps(FileTree tree, FileRules rules) {
        this.tree = tree;
        this.rules = rules;
    }

    FileTree tree() {
        return tree;
    }

    FileRules rules() {
        return rules;
    }

    String stat(FileTarget t) throws ProtocolException {
        rules.checkRead(t);
        FileStat st = tree.with(t, () -> tree.lstat(t));
        return "{\"path\":" + Json.str(t.sandbox()) + ",\"host\":" + Json.str(t.host().toString()) + ","
                + attributes(st) + "}";
    }

    static String attributes(FileStat st) {
        return "\"type\":" + Json.str(type(st)) + ",\"size\":" + st.size() + ",\"mode\":"
                + Json.str(String.format("%04o", st.mode() & 07777)) + ",\"mtime\":"
                + (st.mtimeSec() * 1000 + st.mtimeNsec() / 1_000_000);
    }

    static String type(FileStat st) {
        return st.isRegular() ? "file" : st.isDirectory() ? "dir" : st.isSymlink() ? "symlink" : "other";
    }

    String list(FileTarget t) throws ProtocolException {
        rules.checkRead(t);
        TreeMap<String, FileStat> entries = tree.with(t, () -> {
            int fd = tree.open(t, O_RDONLY | O_DIRECTORY, 0);
            try {
                TreeMap<String, FileStat> out = new TreeMap<>();
                for (String name : names(fd)) {
                    if (!rules.hidden(t, name)) {
                        try {
                            out.put(name, LibcFiles.statx(fd, name, false));
                        } catch (ErrnoException e) {
                            if (e.errno() != 2) { // removed since it was listed: leave it out
                                throw e;
                            }
                        }
                    }
                }
                return out;
            } finally {
                LibcFiles.closeQuietly(fd);
            }
        });
        StringBuilder b = new StringBuilder("{\"path\":").append(Json.str(t.sandbox())).append(",\"host\":")
                .append(Json.str(t.host().toString())).append(",\"entries\":[");
        int i = 0;
        for (var e : entries.entrySet()) {
            b.append(i++ > 0 ? "," : "").append("{\"name\":").append(Json.str(e.getKey())).append(',')
                    .append(attributes(e.getValue())).append('}');
        }
        return b.append("]}").toString();
    }

    /** The names in a directory descriptor opened for reading, without "." and "..". */
    static List<String> names(int dirFd) throws ErrnoException {
        List<String> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(32 * 1024, 8);
            long n;
            while ((n = LibcFiles.getdents64(dirFd, buf)) > 0) {
                long pos = 0;
                while (pos < n) {
                    // struct linux_dirent64 (getdents(2)): u64 ino, s64 off, u16 reclen, u8 type, char name[]
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos + 16));
                    String name = buf.asSlice(pos + 19).getString(0);
                    if (!name.equals(".") && !name.equals("..")) {
                        out.add(name);
                    }
                    pos += reclen;
                }
            }
        }
        return out;
    }

    String read(FileTarget t, long offset, int length) throws ProtocolException {
        rules.checkRead(t);
        return tree.with(t, () -> {
            int fd = tree.open(t, O_RDONLY | FileTree.O_NONBLOCK, 0);
            try {
                FileStat st = regular(fd, t);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(Math.max(1, length));
                    long got = 0;
                    while (got < length) {
                        long n = LibcFiles.pread(fd, buf.asSlice(got), length - got, offset + got);
                        if (n == 0) {
                            break;
                        }
                        got += n;
                    }
                    byte[] data = buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE);
                    // The file may have grown since the stat: what was read counts too.
                    long size = got > 0 ? Math.max(st.size(), offset + got) : st.size();
                    return "{\"data\":\"" + Base64.getEncoder().encodeToString(data) + "\",\"eof\":"
                            + (offset + got >= size) + ",\"size\":" + size + "}";
                }
            } finally {
                LibcFiles.closeQuietly(fd);
            }
        });
    }

    /** The attributes of an opened file, refusing anything but a regular file with one link. */
    private static FileStat regular(int fd, FileTarget t) throws ProtocolException, ErrnoException {
        FileStat st = LibcFiles.statx(fd, "", true);
        if (st.isDirectory()) {
            throw new ProtocolException("is-a-directory", t.describe() + " is a directory");
        }
        if (!st.isRegular()) {
            throw new ProtocolException("io-error", t.describe() + " is not a regular file");
        }
        if (st.nlink() > 1) {
            // Another name of this inode may be outside every folder (a hard link to ~/.ssh/id_ed25519).
            throw new ProtocolException("hardlink", t.describe() + " has " + st.nlink()
                    + " hard links; a file with several names is neither read nor written");
        }
        return st;
    }

    String write(FileTarget t, byte[] data, boolean append) throws ProtocolException {
        if (t.rel().isEmpty()) {
            throw new ProtocolException("is-a-directory", t.describe() + " is a folder root");
        }
        rules.checkWrite(t, false, true);
        return tree.with(t, () -> {
            int dir = tree.parent(t);
            int fd;
            try {
                // No O_TRUNC: the link count is checked on the descriptor before anything changes.
                fd = LibcFiles.openat2(dir, t.name(), O_WRONLY | O_CREAT | FileTree.O_NONBLOCK
                        | (append ? LibcFiles.O_APPEND : 0) | LibcFiles.O_NOFOLLOW, 0644, FileTree.RESOLVE);
            } finally {
                LibcFiles.closeQuietly(dir);
            }
            try {
                FileStat st = regular(fd, t);
                long at = append ? st.size() : 0;
                if (!append) {
                    LibcFiles.ftruncate(fd, 0);
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(Math.max(1, data.length));
                    MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
                    long done = 0;
                    while (done < data.length) {
                        done += LibcFiles.pwrite(fd, buf.asSlice(done), data.length - done, at + done);
                    }
                }
                return "{\"size\":" + LibcFiles.statx(fd, "", true).size() + "}";
            } finally {
                LibcFiles.close(fd);
            }
        });
    }
}
