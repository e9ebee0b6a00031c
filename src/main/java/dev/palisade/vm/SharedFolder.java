package dev.palisade.vm;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A host folder shared into the guest over virtio-9p, mounted at {@code /sessions/<id>/mnt/<name>}.
 * Read-only is enforced by QEMU on the host side ({@code -fsdev readonly=on}), not trusted to the
 * guest kernel. Read-write folders use {@code security_model=mapped-xattr}: the guest's owners and
 * modes live in extended attributes, so the guest can never create a set-uid file or chown one on
 * the host.
 *
 * @param host the absolute host folder (already validated by the path validator)
 * @param name its name inside the guest: a plain file name
 * @param readOnly whether the guest may only read it
 * @param guarded whether {@code host} is the file guard's FUSE view of the folder rather than the
 *     folder itself: the guard refuses set-uid modes and ownership changes on the host side, and
 *     has no extended attributes, so QEMU shares it with {@code security_model=none}
 */
public record SharedFolder(Path host, String name, boolean readOnly, boolean guarded) {
    private static final Pattern NAME = Pattern.compile("[^/\\x00-\\x1f',\"\\\\$`]{1,255}");

    public SharedFolder {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(name, "name");
        if (!host.isAbsolute()) {
            throw new IllegalArgumentException("shared folder must be an absolute path: " + host);
        }
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("shared folder name '" + name + "' is not a plain name");
        }
        if (guarded && readOnly) {
            throw new IllegalArgumentException("a read-only folder is shared as itself, not through the file guard");
        }
    }

    /** A folder shared as itself (not through the file guard). */
    public SharedFolder(Path host, String name, boolean readOnly) {
        this(host, name, readOnly, false);
    }
}
