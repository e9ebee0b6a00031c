package dev.palisade.vm;

import java.io.IOException;

/**
 * A frame on the host-guest channel broke the protocol: too long, truncated, an unknown type, a
 * field out of range, trailing bytes. The message names the problem; the connection that produced
 * it can no longer be trusted to be in step and must be closed.
 */
public final class FrameException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was wrong with the frame
     */
    public FrameException(String message) {
        super(message);
    }
}
