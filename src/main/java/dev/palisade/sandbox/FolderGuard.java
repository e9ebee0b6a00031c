package dev.palisade.sandbox;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

import dev.palisade.api.EventSink;

/**
 * The file guard of a session: every read-write folder is served to the sandbox through a FUSE
 * view that checks each create, write, rename, link and delete (see docs/file-guard.md).
 *
 * @param blockedFileTypes file name endings that may not be created or renamed to (".exe", …)
 * @param keepHistoryBytes most bytes of previous content kept for undo; 0 keeps none
 * @param historyRoot the folder under which each guarded folder's history lives ({@code <root>/<Name>})
 * @param events where file and violation events of the guard go; must not block
 */
public record FolderGuard(Set<String> blockedFileTypes, long keepHistoryBytes, Path historyRoot, EventSink events) {
    /** Validates and copies. */
    public FolderGuard {
        blockedFileTypes = Set.copyOf(blockedFileTypes);
        Objects.requireNonNull(historyRoot, "historyRoot");
        Objects.requireNonNull(events, "events");
        if (keepHistoryBytes < 0) {
            throw new IllegalArgumentException("keepHistoryBytes must not be negative");
        }
    }
}
