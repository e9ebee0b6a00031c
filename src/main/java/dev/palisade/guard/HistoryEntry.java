package dev.palisade.guard;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * One saved previous state of a path, a line of the history index.
 *
 * @param seq order of saving; also the blob's file name for files
 * @param kind 'F' file (content in blobs/seq), 'D' directory, 'L' symlink
 * @param mode permission bits
 * @param mtimeSec modification time, seconds
 * @param mtimeNsec modification time, nanoseconds
 * @param size content size (files)
 * @param path the path relative to the folder, "/"-separated
 * @param target the symlink target, or "" for other kinds
 */
record HistoryEntry(long seq, char kind, int mode, long mtimeSec, int mtimeNsec, long size, String path,
        String target) {
    HistoryEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(target, "target");
        if (kind != 'F' && kind != 'D' && kind != 'L') {
            throw new IllegalArgumentException("unknown history kind " + kind);
        }
        if (path.isEmpty() || path.startsWith("/") || ("/" + path + "/").contains("/../")) {
            throw new IllegalArgumentException("bad history path " + path);
        }
    }

    String toLine() {
        return seq + "\t" + kind + "\t" + Integer.toOctalString(mode) + "\t" + mtimeSec + "\t" + mtimeNsec + "\t"
                + size + "\t" + enc(path) + "\t" + enc(target) + "\n";
    }

    static HistoryEntry parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 8 || f[1].length() != 1) {
            throw new IllegalArgumentException("corrupt history line: " + line);
        }
        return new HistoryEntry(Long.parseLong(f[0]), f[1].charAt(0), Integer.parseInt(f[2], 8),
                Long.parseLong(f[3]), Integer.parseInt(f[4]), Long.parseLong(f[5]), dec(f[6]), dec(f[7]));
    }

    private static String enc(String s) {
        return Base64.getUrlEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String dec(String s) {
        return new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
