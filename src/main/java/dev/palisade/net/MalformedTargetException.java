package dev.palisade.net;

/**
 * A connection target (host or port) that cannot be judged: it is refused before any rule is
 * consulted. The message says what is wrong, in words fit for a client error body.
 */
final class MalformedTargetException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedTargetException(String message) {
        super(message);
    }
}
