package dev.palisade.vm;

/**
 * The guest's bounded replay buffer for one output channel of one command: the last
 * {@code capacity} bytes with their absolute offsets, and how far they have been sent. Bytes not
 * yet sent are never dropped (the command waits instead: back-pressure through its pipe); bytes
 * already sent are dropped oldest first when room is needed, so a host that re-attaches from
 * before {@link #start()} learns exactly which bytes expired. Not thread-safe: the owning
 * {@link GuestCommand} guards it with its lock.
 */
final class OutputBuffer {
    /** Grows up to {@link #capacity} as output comes: most commands write far less. */
    private byte[] ring;
    private final int capacity;
    /** Offset of the oldest byte held. */
    private long start;
    /** Offset after the newest byte held: everything the command wrote so far. */
    private long end;
    /** Offset of the next byte to send. */
    private long sent;
    private boolean eof;

    OutputBuffer(int capacity) {
        if (capacity < GuestCommand.CHUNK) {
            throw new IllegalArgumentException("replay buffer smaller than one chunk: " + capacity);
        }
        this.capacity = capacity;
        ring = new byte[Math.min(capacity, 4096)];
    }

    long start() {
        return start;
    }

    long end() {
        return end;
    }

    long unsent() {
        return end - sent;
    }

    boolean eof() {
        return eof;
    }

    void markEof() {
        eof = true;
    }

    /** Whether {@code n} more bytes fit after dropping sent bytes. */
    boolean fits(int n) {
        return (end - sent) + n <= capacity;
    }

    /** Appends; the caller checked {@link #fits}. Drops the oldest sent bytes to make room. */
    void append(byte[] data, int n) {
        long over = (end - start) + n - capacity;
        if (over > 0) {
            start += over;
        }
        long held = (end - start) + n;
        if (held > ring.length) {
            grow((int) Math.min(capacity, Math.max(held, 2L * ring.length)));
        }
        for (int i = 0; i < n;) {
            int at = (int) ((end + i) % ring.length);
            int k = Math.min(n - i, ring.length - at);
            System.arraycopy(data, i, ring, at, k);
            i += k;
        }
        end += n;
    }

    /** A larger ring holding the same bytes at the same offsets. */
    private void grow(int size) {
        byte[] bigger = new byte[size];
        for (long off = start; off < end; off++) {
            bigger[(int) (off % size)] = ring[(int) (off % ring.length)];
        }
        ring = bigger;
    }

    /**
     * Takes the next bytes to send and advances.
     *
     * @param max at most this many
     * @return the bytes, which start at the {@link #sentOffset()} read before the call
     */
    byte[] take(int max) {
        int n = (int) Math.min(max, end - sent);
        byte[] out = new byte[n];
        for (int i = 0; i < n;) {
            int at = (int) ((sent + i) % ring.length);
            int k = Math.min(n - i, ring.length - at);
            System.arraycopy(ring, at, out, i, k);
            i += k;
        }
        sent += n;
        return out;
    }

    long sentOffset() {
        return sent;
    }

    /**
     * Rewinds (or advances) sending to where a re-attaching host stands.
     *
     * @param offset the first offset the host lacks
     * @return where the replay starts: {@code offset}, or {@link #start()} when bytes before it expired
     * @throws FrameException if the host claims bytes the command never wrote
     */
    long rewind(long offset, int stream, Frame.OutputChannel channel) throws FrameException {
        if (offset > end) {
            throw new FrameException("ATTACH on stream " + stream + ": " + channel + " offset " + offset
                    + " is beyond the " + end + " bytes written");
        }
        sent = Math.max(offset, start);
        return sent;
    }
}
