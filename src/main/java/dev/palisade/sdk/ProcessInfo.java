package dev.palisade.sdk;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A process the daemon started in a session.
 *
 * @param id the process id, {@code <session>/p<N>}
 * @param running whether it still runs
 * @param status its exit status once it has ended
 */
public record ProcessInfo(String id, boolean running, OptionalInt status) {
    /** Validates. */
    public ProcessInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        if (running == status.isPresent()) {
            throw new IllegalArgumentException("a process has a status exactly when it has ended: " + id);
        }
    }
}
