package dev.palisade.vm;

import java.io.IOException;

/**
 * The sender's side of one stream's credit window in one direction: how many data bytes the peer
 * still accepts. A sender takes credit before each data frame and waits, on its own (virtual)
 * thread, while there is none; the channel's reader adds what CREDIT frames grant. Waiting never
 * holds up the channel or any other stream.
 */
final class SendWindow {
    private long available = Frame.INITIAL_WINDOW;
    private boolean closed;

    /**
     * Takes up to {@code max} bytes of credit, waiting while none is left.
     *
     * @param max the most the caller wants to send now, positive
     * @return the bytes granted, 1..max
     * @throws IOException if the window was closed (stream or channel ended) while waiting
     */
    synchronized int acquire(int max) throws IOException, InterruptedException {
        while (available <= 0 && !closed) {
            wait();
        }
        if (closed) {
            throw new IOException("stream closed while waiting for credit");
        }
        int n = (int) Math.min(max, available);
        available -= n;
        return n;
    }

    /** Takes up to {@code max} bytes of credit without waiting; 0 when none is left or closed. */
    synchronized int tryAcquire(int max) {
        if (closed || available <= 0) {
            return 0;
        }
        int n = (int) Math.min(max, available);
        available -= n;
        return n;
    }

    /**
     * Adds credit the peer granted.
     *
     * @param bytes the CREDIT frame's allowance
     * @param stream the stream, for the error message
     * @throws FrameException if the peer's grants add up to more than it could ever have consumed
     */
    synchronized void grant(int bytes, int stream) throws FrameException {
        if (available + bytes > Integer.MAX_VALUE) {
            throw new FrameException("CREDIT on stream " + stream + " grants " + (available + bytes)
                    + " bytes in all, more than the peer could have received");
        }
        available += bytes;
        notifyAll();
    }

    /** Back to the initial window (a re-attach: both sides start over). */
    synchronized void reset() {
        available = Frame.INITIAL_WINDOW;
        notifyAll();
    }

    /** Wakes and fails every waiting sender. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
