package dev.palisade.sdk;

import java.util.List;
import java.util.Objects;

/**
 * A session as the daemon describes it.
 *
 * @param id the session id
 * @param tier the isolation tier ({@code namespace})
 * @param home the session's home inside, {@code /sessions/<id>}
 * @param folders its mounted folders, in mount order (the first is the default working directory)
 * @param processes the processes started in it
 */
public record SessionInfo(String id, String tier, String home, List<Folder> folders, List<ProcessInfo> processes) {
    /** Validates. */
    public SessionInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(home, "home");
        folders = List.copyOf(folders);
        processes = List.copyOf(processes);
    }
}
