package dev.palisade.broker;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Replaces byte strings in a stream that arrives in pieces, such as the chunks of a response:
 * used to turn an echo of the real secret back into the placeholder. A match split across two
 * pieces is still found because the tail of a piece that could begin a match is held back — and
 * only such a tail, so that a server-sent event ending a chunk is passed on at once.
 */
final class StreamReplacer {
    private final byte[][] needles;
    private final byte[][] replacements;
    private byte[] held = new byte[0];
    private int replaced;

    /**
     * @param needles the byte strings to find (non-empty)
     * @param replacements what each becomes
     */
    StreamReplacer(List<byte[]> needles, List<byte[]> replacements) {
        if (needles.size() != replacements.size()) {
            throw new IllegalArgumentException("one replacement per needle");
        }
        this.needles = needles.toArray(byte[][]::new);
        this.replacements = replacements.toArray(byte[][]::new);
        for (byte[] n : this.needles) {
            if (n.length == 0) {
                throw new IllegalArgumentException("empty needle");
            }
        }
    }

    /** How many replacements were made so far. */
    int replacements() {
        return replaced;
    }

    /**
     * Feeds the next piece.
     *
     * @return what can be passed on now (possibly empty)
     */
    byte[] update(byte[] b, int off, int len) {
        byte[] data;
        if (held.length == 0) {
            data = Arrays.copyOfRange(b, off, off + len);
        } else {
            data = Arrays.copyOf(held, held.length + len);
            System.arraycopy(b, off, data, held.length, len);
        }
        return process(data, false);
    }

    /** Ends the stream: returns what was held back. */
    byte[] finish() {
        byte[] out = process(held, true);
        held = new byte[0];
        return out;
    }

    private byte[] process(byte[] data, boolean last) {
        ByteArrayOutputStream out = null; // allocated only when something is replaced
        int emittedUpTo = 0;
        int i = 0;
        outer:
        while (i < data.length) {
            int avail = data.length - i;
            for (int k = 0; k < needles.length; k++) {
                byte[] n = needles[k];
                if (n.length <= avail && data[i] == n[0] && Arrays.equals(data, i, i + n.length, n, 0, n.length)) {
                    if (out == null) {
                        out = new ByteArrayOutputStream(data.length + 64);
                    }
                    out.write(data, emittedUpTo, i - emittedUpTo);
                    out.write(replacements[k], 0, replacements[k].length);
                    replaced++;
                    i += n.length;
                    emittedUpTo = i;
                    continue outer;
                }
            }
            if (!last) {
                for (byte[] n : needles) {
                    if (n.length > avail && data[i] == n[0] && Arrays.equals(data, i, data.length, n, 0, avail)) {
                        // data[i..] is a proper prefix of a needle: hold it back until more arrives.
                        held = Arrays.copyOfRange(data, i, data.length);
                        return emit(out, data, emittedUpTo, i);
                    }
                }
            }
            i++;
        }
        held = new byte[0];
        return emit(out, data, emittedUpTo, data.length);
    }

    private static byte[] emit(ByteArrayOutputStream out, byte[] data, int from, int to) {
        if (out == null) {
            return from == 0 && to == data.length ? data : Arrays.copyOfRange(data, from, to);
        }
        out.write(data, from, to - from);
        return out.toByteArray();
    }
}
