package dev.palisade.sdk;

import java.util.Objects;

/**
 * Output that was dropped because a consumer fell behind: the daemon's per-connection buffer, or this
 * client's per-process delivery buffer, was full. Output is never dropped silently: this says how much.
 *
 * @param process the process id
 * @param stream the stream that lost bytes
 * @param bytes how many bytes were dropped
 * @param chunks in how many chunks
 */
public record LostOutput(String process, StdStream stream, long bytes, long chunks) implements ProcessEvent {
    /** Validates. */
    public LostOutput {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(stream, "stream");
        if (bytes < 0 || chunks < 1) {
            throw new IllegalArgumentException("lost output needs bytes >= 0 and chunks >= 1");
        }
    }
}
