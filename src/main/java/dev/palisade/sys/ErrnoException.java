package dev.palisade.sys;

import java.io.IOException;

/**
 * A libc call failed; carries the {@code errno} it set. Built without a stack trace because the
 * file guard raises these on hot paths (ENOENT on every negative lookup), where the errno is the
 * whole story.
 */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    /** {@code errno} value. */
    private final int errno;

    /**
     * @param call the libc function that failed
     * @param errno the errno it set
     */
    public ErrnoException(String call, int errno) {
        super(call + " failed: errno " + errno);
        this.errno = errno;
    }

    /** No stack trace: see the class comment. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    /** The errno value (positive, as in errno(3)). */
    public int errno() {
        return errno;
    }
}
