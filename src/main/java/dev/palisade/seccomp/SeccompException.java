package dev.palisade.seccomp;

/**
 * A seccomp profile could not be loaded or compiled: malformed JSON, an unknown syscall name, a
 * bad action, a refused setting. The message names the problem and where it is, and is meant to
 * be shown to the user as is (the CLI exits with status 125).
 */
public final class SeccompException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the profile and the offending entry
     */
    public SeccompException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong
     * @param cause the underlying failure
     */
    public SeccompException(String message, Throwable cause) {
        super(message, cause);
    }
}
