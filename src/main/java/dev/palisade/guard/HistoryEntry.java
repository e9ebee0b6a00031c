package dev.palisade.guard;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * One saved previous state of a path, a line of the history index.
 *
 * @param seq order of saving; also the blob's file name for files
 * @param time when it was saved, milliseconds since the epoch
 * @param kind 'F' file (content in blobs/seq), 'D' directory, 'L' symlink, 'N' the path did not
 *     exist (the sandbox created it)
 * @param mode permission bits
 * @param mtimeSec modification time, seconds
 * @param mtimeNsec modification time, nanoseconds
 * @param size content size (files)
 * @param path the path relative to the folder, "/"-separated
 * @param target the symlink target, or "" for other kinds
 */
record HistoryEntry(long seq, long time, char kind, int mode, long mtimeSec, int mtimeNsec, long size, String path,
        String target) {
    HistoryEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(target, "target");
        if (kind != 'F' && kind != 'D' && kind != 'L' && kind != 'N') {
            throw new IllegalArgumentException("unknown history kind " + kind);
        }
        if (path.isEmpty() || path.startsWith("/") || ("/" + path + "/").contains("/../")) {
            throw new IllegalArgumentException("bad history path " + path);
        }
    }

    String toLine() {
        return seq + "\t" + time + "\t" + kind + "\t" + Integer.toOctalString(mode) + "\t" + mtimeSec + "\t" + mtimeNsec + "\t"
                + size + "\t" + enc(path) + "\t" + enc(target) + "\n";
    }

    static HistoryEntry parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 9 || f[2].length() != 1) {
            throw new IllegalArgumentException("corrupt history line: " + line);
        }
        return new HistoryEntry(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2].charAt(0),
                Integer.parseInt(f[3], 8), Long.parseLong(f[4]), Integer.parseInt(f[5]), Long.parseLong(f[6]),
                dec(f[7]), dec(f[8]));
    }

    private static String enc(String s) {
        return Base64.getUrlEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String dec(String s) {
        return new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
