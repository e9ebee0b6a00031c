package dev.palisade.vm;

import java.io.IOException;

/**
 * Receives a guest command's output as it arrives, in order and without gaps (the channel checks
 * the offsets). Called from a thread of the command's own: a sink that blocks holds up that
 * command's output only (credit is granted back to the guest as the sink takes bytes), never the
 * channel or other streams.
 */
@FunctionalInterface
public interface OutputSink {
    /**
     * One chunk of output.
     *
     * @param stderr true for standard error, false for standard output
     * @param data the bytes
     * @throws IOException if the bytes cannot be delivered; the command's output is then dropped
     */
    void output(boolean stderr, byte[] data) throws IOException;
}
