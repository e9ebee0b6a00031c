package dev.palisade.paths;

import java.util.Locale;

/** How a folder is shared into the sandbox. */
public enum Access {
    /** Read-only: writes fail with EROFS. The default. */
    RO,
    /** Read-write: writes reach the host folder, subject to the deny-write and protected-path rules. */
    RW;

    /** The spelling used in mount specs and policies ("ro", "rw"). */
    public String spelling() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses "ro" or "rw".
     *
     * @param text the spelling
     * @return the access mode
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Access parse(String text) {
        return switch (text) {
            case "ro" -> RO;
            case "rw" -> RW;
            default -> throw new IllegalArgumentException("unknown mode '" + text + "' (expected ro or rw)");
        };
    }
}
