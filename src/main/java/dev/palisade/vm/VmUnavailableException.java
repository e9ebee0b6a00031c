package dev.palisade.vm;

import java.io.IOException;

/** The vm tier cannot run a session here: no image, no QEMU, no bwrap. The message says how to fix it. */
public final class VmUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is missing and how to fix it
     */
    public VmUnavailableException(String message) {
        super(message);
    }
}
