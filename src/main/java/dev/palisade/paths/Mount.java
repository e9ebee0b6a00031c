package dev.palisade.paths;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A validated folder share: the canonical host folder, its name inside the sandbox, and its access.
 * Only {@link MountValidator} makes these from user input; the constructor checks the invariants
 * that every later step relies on.
 *
 * @param hostPath the folder on the host: absolute, normalized, symlink-free
 * @param name the folder's name under {@code /sessions/<id>/mnt/}
 * @param access read-only or read-write
 */
public record Mount(Path hostPath, String name, Access access) {
    /** Validates. */
    public Mount {
        Objects.requireNonNull(hostPath, "hostPath");
        Objects.requireNonNull(access, "access");
        if (!hostPath.isAbsolute() || !hostPath.equals(hostPath.normalize())) {
            throw new IllegalArgumentException("mount host path must be absolute and normalized: " + hostPath);
        }
        FolderNames.check(name);
    }
}
