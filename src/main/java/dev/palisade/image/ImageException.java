package dev.palisade.image;

import java.io.IOException;

/** An image bundle could not be built, verified or installed; the message says which part and why. */
public final class ImageException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong
     */
    public ImageException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
