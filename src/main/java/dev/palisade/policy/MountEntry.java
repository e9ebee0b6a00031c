package dev.palisade.policy;

import java.util.Objects;

import dev.palisade.paths.Access;

/**
 * A folder share as written in a policy or on the command line, before path validation.
 *
 * @param path the host path as written ({@code ~} allowed)
 * @param access read-only or read-write
 * @param name the folder's name inside, or null for the base name
 * @param allowSensitive whether a sensitive folder is forced through
 */
public record MountEntry(String path, Access access, String name, boolean allowSensitive) {
    /** Validates. */
    public MountEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(access, "access");
        if (path.isBlank()) {
            throw new IllegalArgumentException("mount path is empty");
        }
    }
}
