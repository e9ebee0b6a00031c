package dev.palisade.sys;

import java.io.IOException;

/** A native call failed; carries the call's name and errno. */
public final class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * Creates the exception.
     *
     * @param call the C function that failed
     * @param errno its error number
     */
    public NativeException(String call, int errno) {
        super(call + " failed: " + Errno.describe(errno));
        this.errno = errno;
    }

    /** The error number. */
    public int errno() {
        return errno;
    }
}
