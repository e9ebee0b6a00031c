package dev.palisade.sandbox;

/**
 * Sizes of the sandbox's private tmpfs mounts (bwrap {@code --size}, tmpfs(5) {@code size=}); 0
 * leaves the kernel default of half the RAM per mount. Writing beyond a size fails with ENOSPC
 * inside the sandbox and never touches a host disk.
 *
 * @param home bytes of the session home (only when the home is a tmpfs)
 * @param tmp bytes of each of /tmp and /var/tmp
 * @param shm bytes of /dev/shm
 */
public record TmpfsSizes(long home, long tmp, long shm) {
    /** Kernel defaults everywhere. */
    public static final TmpfsSizes DEFAULT = new TmpfsSizes(0, 0, 0);

    /** Validates. */
    public TmpfsSizes {
        if (home < 0 || tmp < 0 || shm < 0) {
            throw new IllegalArgumentException("tmpfs sizes must not be negative");
        }
    }
}
