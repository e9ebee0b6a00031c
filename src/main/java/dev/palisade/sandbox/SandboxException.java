package dev.palisade.sandbox;

/** Palisade could not start or run the sandbox (exit status 125); the message says why. */
public final class SandboxException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, ready to show a user
     */
    public SandboxException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what failed
     * @param cause the underlying failure
     */
    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
