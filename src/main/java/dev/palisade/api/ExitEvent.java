package dev.palisade.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A command ended.
 *
 * @param time when it ended
 * @param sessionId the session
 * @param status the exit status Palisade reports (the command's own, 128+N for signal N, 125 for
 *     a Palisade failure, 126 not executable, 127 not found)
 * @param signal the signal that killed the command, or 0
 * @param reason why it ended: "exited", "signaled", or the limit that stopped it
 * @param duration how long it ran
 */
public record ExitEvent(Instant time, String sessionId, int status, int signal, String reason, Duration duration)
        implements Event {
    /** Validates. */
    public ExitEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(duration, "duration");
        if (status < 0 || status > 255) {
            throw new IllegalArgumentException("exit status out of range: " + status);
        }
    }

    @Override
    public String type() {
        return "exit";
    }
}
