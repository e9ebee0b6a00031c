package dev.palisade.policy;

/** A policy is malformed or asks for something Palisade does not do; the message names the key. */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the key and the problem, ready to show a user
     */
    public PolicyException(String message) {
        super(message);
    }
}
