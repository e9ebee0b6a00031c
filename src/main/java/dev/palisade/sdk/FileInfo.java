package dev.palisade.sdk;

import java.time.Instant;
import java.util.Objects;

/**
 * A file in a session's folders.
 *
 * @param path its sandbox path, {@code /sessions/<id>/mnt/<Name>/...}
 * @param host its host path
 * @param type its type
 * @param size its size in bytes
 * @param mode its permission bits, e.g. {@code 0644}
 * @param modified its modification time
 */
public record FileInfo(String path, String host, FileType type, long size, int mode, Instant modified) {
    /** Validates. */
    public FileInfo {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(modified, "modified");
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0: " + size);
        }
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("mode out of range: " + Integer.toOctalString(mode));
        }
    }

    /**
     * The last component of the path.
     *
     * @return the name
     */
    public String name() {
        int slash = path.lastIndexOf('/');
        return path.substring(slash + 1);
    }
}
