package dev.palisade.api;

import java.time.Instant;
import java.util.Objects;

/**
 * Something the sandbox refused. Every denial by every layer is recorded as one of these.
 *
 * @param time when it was refused
 * @param sessionId the session
 * @param layer which layer refused: "network", "filesystem", "seccomp", "credentials", "path", "limits"
 * @param action what was attempted ("connect", "write", "mount", ...)
 * @param target what it was attempted on (a host path, a host:port, a syscall name)
 * @param rule the rule that refused it, in words a user can search the policy for
 */
public record ViolationEvent(Instant time, String sessionId, String layer, String action, String target, String rule)
        implements Event {
    /** Validates. */
    public ViolationEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(rule, "rule");
    }

    @Override
    public String type() {
        return "violation";
    }
}
