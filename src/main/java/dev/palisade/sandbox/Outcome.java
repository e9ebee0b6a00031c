package dev.palisade.sandbox;

/**
 * How a run ended.
 *
 * @param status the exit status to report (DESIGN.md: own, 128+N, 125, 126, 127)
 * @param signal the signal that ended the command, or 0
 * @param reason "exited", "signaled", "not-found" or "not-executable"
 * @param message a message for the user when Palisade refused to start the command, else empty
 */
public record Outcome(int status, int signal, String reason, String message) {
    /** Validates. */
    public Outcome {
        if (status < 0 || status > 255) {
            throw new IllegalArgumentException("status out of range: " + status);
        }
        java.util.Objects.requireNonNull(reason, "reason");
        java.util.Objects.requireNonNull(message, "message");
    }
}
