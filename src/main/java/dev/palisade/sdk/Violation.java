package dev.palisade.sdk;

import java.util.Objects;

/**
 * Something the sandbox refused while a process ran (the daemon's {@code violation} event).
 *
 * @param process the process id (for a session-wide violation, every process of the session that
 *        this client follows receives it)
 * @param layer which layer refused: network, filesystem, seccomp, credentials, path, limits
 * @param action what was attempted
 * @param target what it was attempted on (host path, host:port, syscall)
 * @param rule the rule that refused it
 */
public record Violation(String process, String layer, String action, String target, String rule)
        implements ProcessEvent {
    /** Validates. */
    public Violation {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(rule, "rule");
    }
}
