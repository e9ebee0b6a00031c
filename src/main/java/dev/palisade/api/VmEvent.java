package dev.palisade.api;

import java.time.Instant;
import java.util.Objects;

/**
 * Something happened to a session's VM (vm tier): it stopped answering or exited and was killed
 * ({@code "failed"}: the commands it ran are lost), or a fresh one took its place
 * ({@code "restarted"}).
 *
 * @param time when it happened
 * @param sessionId the session
 * @param action "failed" or "restarted"
 * @param restarts how many times the session's VM was restarted so far
 * @param cause why the VM was given up (missed heartbeats, QEMU exited)
 */
public record VmEvent(Instant time, String sessionId, String action, int restarts, String cause) implements Event {
    /** Validates. */
    public VmEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(cause, "cause");
        if (!action.equals("failed") && !action.equals("restarted")) {
            throw new IllegalArgumentException("VM event action must be failed or restarted, was " + action);
        }
        if (restarts < 0) {
            throw new IllegalArgumentException("restarts must not be negative");
        }
    }

    @Override
    public String type() {
        return "vm";
    }
}
