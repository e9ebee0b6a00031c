package dev.palisade.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;

/**
 * What a session is: its id, tier, folders and filesystem rules.
 *
 * @param id the session id
 * @param tier the isolation tier
 * @param mounts validated folders; the first is the default working directory
 * @param filesystem the filesystem rules
 * @param userHome the user's home folder, for {@code ~} in rules
 * @param persistentHome true to keep the session home across the session's commands (a private
 *     host folder, removed when the session closes); false for a tmpfs that ends with each command
 */
public record SessionSpec(String id, Tier tier, List<Mount> mounts, FilesystemPolicy filesystem, Path userHome,
        boolean persistentHome) {
    /** Validates and copies. */
    public SessionSpec {
        SessionIds.validate(id);
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(filesystem, "filesystem");
        Objects.requireNonNull(userHome, "userHome");
        mounts = List.copyOf(mounts);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Mount m : mounts) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("two folders are both named '" + m.name()
                        + "' inside the sandbox; give one of them another name");
            }
        }
    }
}
