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
 * @param tmpfs sizes of the home, /tmp, /var/tmp and /dev/shm tmpfs mounts (a home size needs a
 *     tmpfs home, so it cannot be combined with {@code persistentHome})
 * @param guard the file guard of the read-write folders (namespace tier), or null for plain binds
 */
public record SessionSpec(String id, Tier tier, List<Mount> mounts, FilesystemPolicy filesystem, Path userHome,
        boolean persistentHome, TmpfsSizes tmpfs, FolderGuard guard) {
    /** Validates and copies. */
    public SessionSpec {
        SessionIds.validate(id);
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(filesystem, "filesystem");
        Objects.requireNonNull(userHome, "userHome");
        Objects.requireNonNull(tmpfs, "tmpfs");
        if (persistentHome && tmpfs.home() > 0) {
            throw new IllegalArgumentException("a home size needs a tmpfs home; a persistent home is a host folder"
                    + " that no tmpfs size can bound");
        }
        mounts = List.copyOf(mounts);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Mount m : mounts) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("two folders are both named '" + m.name()
                        + "' inside the sandbox; give one of them another name");
            }
        }
    }

    /** A session with the kernel's default tmpfs sizes. */
    public SessionSpec(String id, Tier tier, List<Mount> mounts, FilesystemPolicy filesystem, Path userHome,
            boolean persistentHome) {
        this(id, tier, mounts, filesystem, userHome, persistentHome, TmpfsSizes.DEFAULT, null);
    }

    /** A session without the file guard. */
    public SessionSpec(String id, Tier tier, List<Mount> mounts, FilesystemPolicy filesystem, Path userHome,
            boolean persistentHome, TmpfsSizes tmpfs) {
        this(id, tier, mounts, filesystem, userHome, persistentHome, tmpfs, null);
    }
}
