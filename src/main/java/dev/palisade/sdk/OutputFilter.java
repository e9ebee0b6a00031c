package dev.palisade.sdk;

/**
 * A user filter on command output, registered with {@link Palisade#addOutputFilter}. Filters run in
 * registration order on each chunk before any {@code onOutput} callback sees it, on the process's
 * delivery thread (never on the connection's reader). The daemon has already applied its own chain
 * before the chunk left it: sandbox-to-host path translation, then redaction of known secrets.
 *
 * <p>A filter sees one chunk at a time; text split across two chunks reaches it in two calls.
 */
@FunctionalInterface
public interface OutputFilter {
    /**
     * Filters one chunk.
     *
     * @param chunk the chunk as produced by the previous filter (its {@code seq}/{@code offset} are
     *        provisional: they are assigned after the last filter)
     * @return the bytes to pass on; an empty array drops the chunk
     */
    byte[] apply(OutputChunk chunk);
}
