package dev.palisade.vm;

import java.io.IOException;

/** Where one side of the channel sends its frames (whole frames, thread-safe). */
@FunctionalInterface
interface FrameSink {
    void send(Frame f) throws IOException;
}
