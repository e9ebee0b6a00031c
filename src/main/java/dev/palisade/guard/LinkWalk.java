package dev.palisade.guard;

import dev.palisade.sys.ErrnoException;
import dev.palisade.sys.FileStat;
import dev.palisade.sys.LibcFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Finds symlinks below a directory that would climb out of the folder if the directory moved
 * {@code -delta} levels up (see {@link SymlinkRule}). Walks with descriptors, never following a
 * link; runs under the guard's exclusive move lock, so no link can appear during the walk.
 */
final class LinkWalk {
    private static final int DT_UNKNOWN = 0;
    private static final int DT_DIR = 4;
    private static final int DT_LNK = 10;

    private LinkWalk() {
    }

    /**
     * @param tree the host folder
     * @param dir the directory being moved
     * @param delta the change in depth (negative: shallower)
     * @return the first offending path relative to {@code dir}, or null
     */
    static String firstEscaping(HostTree tree, List<String> dir, int delta) throws ErrnoException {
        int fd = tree.open(dir, LibcFiles.O_RDONLY | LibcFiles.O_DIRECTORY, 0);
        try (Arena arena = Arena.ofConfined()) {
            return walk(fd, "", dir.size() + delta, arena.allocate(32 * 1024, 8));
        } finally {
            LibcFiles.closeQuietly(fd);
        }
    }

    private static String walk(int fd, String prefix, int newDepth, MemorySegment buf) throws ErrnoException {
        // read the whole listing first: the buffer is reused by the recursion
        java.util.List<String> dirs = new java.util.ArrayList<>();
        while (true) {
            long n = LibcFiles.getdents64(fd, buf);
            if (n == 0) {
                break;
            }
            for (long pos = 0; pos < n; ) {
                int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos + 16));
                int type = Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, pos + 18));
                String name = buf.asSlice(pos + 19).getString(0);
                pos += reclen;
                if (name.equals(".") || name.equals("..")) {
                    continue;
                }
                if (type == DT_UNKNOWN) {
                    FileStat st = LibcFiles.statx(fd, name, false);
                    type = st.isDirectory() ? DT_DIR : st.isSymlink() ? DT_LNK : 8;
                }
                if (type == DT_LNK) {
                    String target = LibcFiles.readlinkat(fd, name);
                    if (!SymlinkRule.allowed(target, newDepth)) {
                        return prefix + name + " -> " + target;
                    }
                } else if (type == DT_DIR) {
                    dirs.add(name);
                }
            }
        }
        for (String d : dirs) {
            int child = LibcFiles.openat2(fd, d, LibcFiles.O_RDONLY | LibcFiles.O_DIRECTORY | LibcFiles.O_NOFOLLOW,
                    0, HostTree.RESOLVE);
            try {
                String found = walk(child, prefix + d + "/", newDepth + 1, buf);
                if (found != null) {
                    return found;
                }
            } finally {
                LibcFiles.closeQuietly(child);
            }
        }
        return null;
    }
}
