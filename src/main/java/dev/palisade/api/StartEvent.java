package dev.palisade.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A command started in a session.
 *
 * @param time when it started
 * @param sessionId the session
 * @param tier the isolation tier name ("direct", "namespace", "vm")
 * @param argv the command as given
 * @param hostCwd the working directory, as a host path (null when it is the session's scratch home)
 */
public record StartEvent(Instant time, String sessionId, String tier, List<String> argv, String hostCwd)
        implements Event {
    /** Validates and copies. */
    public StartEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(tier, "tier");
        argv = List.copyOf(argv);
    }

    @Override
    public String type() {
        return "start";
    }
}
