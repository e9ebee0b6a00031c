package dev.palisade.sdk;

import java.util.Objects;

/**
 * How a process ended.
 *
 * @param process the process id
 * @param status the exit status as a shell reports it: the command's own, 128+N when killed by
 *        signal N, 125 when Palisade failed, 126 not executable, 127 not found
 * @param signal the signal that killed it, or 0
 * @param reason {@code exited}, {@code signalled}, {@code failed}, ...
 * @param message details for a failure, else empty
 */
public record ExitStatus(String process, int status, int signal, String reason, String message)
        implements ProcessEvent {
    /** Validates. */
    public ExitStatus {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        if (status < 0 || status > 255) {
            throw new IllegalArgumentException("exit status out of 0..255: " + status);
        }
        if (signal < 0 || signal > 64) {
            throw new IllegalArgumentException("signal out of 0..64: " + signal);
        }
    }
}
