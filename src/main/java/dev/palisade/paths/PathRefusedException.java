package dev.palisade.paths;

/** A path was refused by the validator; the message names the path and the rule. */
public final class PathRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the path and the reason, ready to show a user
     */
    public PathRefusedException(String message) {
        super(message);
    }
}
