package dev.palisade.image;

import java.util.Objects;

/**
 * A host file copied into the initramfs, listed in the manifest so an image can be audited: which
 * binary or library the guest runs, from where, with which hash. The initramfs part's own hash
 * covers the bytes; this says what they are.
 *
 * @param path the path in the guest, relative to its root
 * @param source the host file it was copied from (after resolving links)
 * @param size its size in bytes
 * @param sha256 its SHA-256, lower-case hex
 */
public record GuestFile(String path, String source, long size, String sha256) {
    public GuestFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sha256, "sha256");
        if (path.startsWith("/") || path.contains("..") || path.isEmpty()) {
            throw new IllegalArgumentException("guest file path '" + path + "' is not a plain relative path");
        }
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("guest file " + path + ": sha256 is not 64 hex digits");
        }
        if (size < 0) {
            throw new IllegalArgumentException("guest file " + path + ": negative size");
        }
    }
}
