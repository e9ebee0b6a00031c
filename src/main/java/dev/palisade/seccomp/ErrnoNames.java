package dev.palisade.seccomp;

import java.util.Map;

/** The errno names the profiles and the probe use (errno(3), x86_64 / asm-generic values). */
final class ErrnoNames {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(9, "EBADF"), Map.entry(13, "EACCES"),
            Map.entry(14, "EFAULT"), Map.entry(22, "EINVAL"), Map.entry(25, "ENOTTY"), Map.entry(30, "EROFS"),
            Map.entry(38, "ENOSYS"), Map.entry(95, "EOPNOTSUPP"), Map.entry(97, "EAFNOSUPPORT"),
            Map.entry(106, "EISCONN"));

    private ErrnoNames() {
    }

    static String name(int errno) {
        return NAMES.getOrDefault(errno, Integer.toString(errno));
    }
}
