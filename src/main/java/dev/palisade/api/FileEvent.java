package dev.palisade.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A change the sandbox made in a guarded read-write folder (the file guard's audit stream).
 * Writes are coalesced: one {@code modified} per file per close, not one per write.
 *
 * @param time when it happened
 * @param sessionId the session
 * @param action "created", "modified", "deleted" or "renamed"
 * @param path the host path affected (for "renamed", the new path)
 * @param fromPath for "renamed", the old host path; otherwise null
 * @param kind "file", "directory" or "symlink"
 */
public record FileEvent(Instant time, String sessionId, String action, String path, String fromPath, String kind)
        implements Event {
    private static final Set<String> ACTIONS = Set.of("created", "modified", "deleted", "renamed");
    private static final Set<String> KINDS = Set.of("file", "directory", "symlink");

    /** Validates. */
    public FileEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(path, "path");
        if (!ACTIONS.contains(action)) {
            throw new IllegalArgumentException("unknown file action: " + action);
        }
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("unknown file kind: " + kind);
        }
        if (action.equals("renamed") != (fromPath != null)) {
            throw new IllegalArgumentException("fromPath is set exactly for renamed events");
        }
    }

    @Override
    public String type() {
        return "file";
    }
}
