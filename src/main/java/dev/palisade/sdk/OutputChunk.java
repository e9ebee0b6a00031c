package dev.palisade.sdk;

import java.util.Objects;

/**
 * A piece of a command's output as delivered to {@code onOutput} callbacks: after the daemon's filters
 * (path translation, secret redaction) and this client's {@link OutputFilter}s.
 *
 * @param process the process id
 * @param stream stdout or stderr
 * @param seq the chunk's number in its stream as delivered to callbacks, from 0, without gaps
 * @param offset the byte offset of {@code bytes} in its stream as delivered to callbacks
 * @param bytes the data, never empty; the caller must not modify it
 */
public record OutputChunk(String process, StdStream stream, long seq, long offset, byte[] bytes)
        implements ProcessEvent {
    /** Validates. */
    public OutputChunk {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(bytes, "bytes");
        if (seq < 0 || offset < 0) {
            throw new IllegalArgumentException("seq and offset must be >= 0: " + seq + ", " + offset);
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("an output chunk is never empty");
        }
    }

    /**
     * The bytes decoded as UTF-8 (malformed input replaced), for text output.
     *
     * @return the text
     */
    public String text() {
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
