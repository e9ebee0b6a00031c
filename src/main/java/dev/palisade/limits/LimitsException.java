package dev.palisade.limits;

/** A requested limit cannot be enforced on this host (exit status 125); the message says why. */
public final class LimitsException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what cannot be enforced and how to fix or override it
     */
    public LimitsException(String message) {
        super(message);
    }
}
