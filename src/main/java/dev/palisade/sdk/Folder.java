package dev.palisade.sdk;

import java.util.Objects;

/**
 * A host folder mounted into a session.
 *
 * @param host the host path
 * @param sandbox where it appears inside, {@code /sessions/<id>/mnt/<Name>}
 * @param writable whether it is mounted read-write
 */
public record Folder(String host, String sandbox, boolean writable) {
    /** Validates. */
    public Folder {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(sandbox, "sandbox");
        if (!host.startsWith("/") || !sandbox.startsWith("/")) {
            throw new IllegalArgumentException("folder paths must be absolute: " + host + " -> " + sandbox);
        }
    }
}
