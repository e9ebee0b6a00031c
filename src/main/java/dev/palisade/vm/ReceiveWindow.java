package dev.palisade.vm;

/**
 * The receiver's side of one stream's credit window in one direction. Every data frame is
 * counted against the allowance; one that overruns it is a protocol error naming the stream (a
 * peer that ignores credit could otherwise make this side buffer without bound). Bytes the
 * receiver has passed on are granted back in CREDIT frames of at least {@link #GRANT_STEP} bytes,
 * so credit costs one small frame per 32 KiB, not one per data frame.
 */
final class ReceiveWindow {
    /** Smallest grant sent: batching keeps CREDIT frames rare; well under the initial window. */
    static final int GRANT_STEP = 32 * 1024;

    private final String what;
    private long allowed = Frame.INITIAL_WINDOW;
    private int pending;

    /** @param what the data frame type, for messages ("OUTPUT", "STDIN", "PROXY_DATA") */
    ReceiveWindow(String what) {
        this.what = what;
    }

    /**
     * Counts a received data frame.
     *
     * @throws FrameException if it overruns the window
     */
    synchronized void receive(int stream, int bytes) throws FrameException {
        if (bytes > allowed) {
            throw new FrameException(what + " on stream " + stream + " overran its credit window: " + bytes
                    + " bytes sent, " + allowed + " allowed");
        }
        allowed -= bytes;
    }

    /**
     * Records bytes passed on to their reader.
     *
     * @return the credit to grant now in a CREDIT frame, or 0 to wait for more
     */
    synchronized int consumed(int bytes) {
        pending += bytes;
        if (pending < GRANT_STEP) {
            return 0;
        }
        int grant = pending;
        pending = 0;
        allowed += grant;
        return grant;
    }

    /** Back to the initial window (a re-attach: both sides start over). */
    synchronized void reset() {
        allowed = Frame.INITIAL_WINDOW;
        pending = 0;
    }
}
