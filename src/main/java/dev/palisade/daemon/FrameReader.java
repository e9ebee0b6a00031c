package dev.palisade.daemon;

import java.io.IOException;
import java.io.InputStream;

/** Reads newline-terminated frames, bounded: an oversized frame is skipped to its end and reported. */
final class FrameReader {
    private final InputStream in;
    private final byte[] buf = new byte[RequestDecoder.MAX_FRAME + 1];
    private final byte[] chunk = new byte[65536];
    private int chunkPos;
    private int chunkLen;

    FrameReader(InputStream in) {
        this.in = in;
    }

    /** The frame's length, {@code MAX_FRAME + 1} when it was too long, or -1 at end of stream. */
    int next() throws IOException {
        int len = 0;
        boolean any = false;
        while (true) {
            if (chunkPos == chunkLen) {
                chunkLen = in.read(chunk);
                chunkPos = 0;
                if (chunkLen <= 0) {
                    chunkLen = 0;
                    return any ? Math.min(len, RequestDecoder.MAX_FRAME + 1) : -1;
                }
            }
            any = true;
            byte b = chunk[chunkPos++];
            if (b == '\n') {
                return Math.min(len, RequestDecoder.MAX_FRAME + 1);
            }
            if (len <= RequestDecoder.MAX_FRAME) {
                buf[len] = b;
            }
            len++;
            if (len < 0) {
                len = RequestDecoder.MAX_FRAME + 1; // overflowed int: still too large
            }
        }
    }

    byte[] buffer() {
        return buf;
    }
}
