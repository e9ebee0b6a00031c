package dev.palisade.image;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One part of an image bundle, as listed in its manifest. The bundle stores it zstd-compressed as
 * {@code parts/<name>.zst}; both hashes are checked: the compressed one before the decompressor sees
 * a byte, the plain one (and the size, which bounds decompression) after.
 *
 * @param name the part's file name: lower-case letters, digits, '.', '_' or '-', no path
 * @param size the decompressed size in bytes
 * @param sha256 hex SHA-256 of the decompressed part
 * @param compressedSha256 hex SHA-256 of the compressed file in the bundle
 */
public record Part(String name, long size, String sha256, String compressedSha256) {
    /** Part names may not contain a path: no '/', no "..", nothing hidden. */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public Part {
        Objects.requireNonNull(name, "part name");
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("part name '" + name + "' is not a plain file name");
        }
        if (size < 0) {
            throw new IllegalArgumentException("part '" + name + "' has a negative size");
        }
        if (sha256 == null || !HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException("part '" + name + "' sha256 is not 64 lower-case hex digits");
        }
        if (compressedSha256 == null || !HEX.matcher(compressedSha256).matches()) {
            throw new IllegalArgumentException("part '" + name + "' compressedSha256 is not 64 lower-case hex digits");
        }
    }

    /** The part's file inside the bundle. */
    String bundleFile() {
        return "parts/" + name + ".zst";
    }
}
