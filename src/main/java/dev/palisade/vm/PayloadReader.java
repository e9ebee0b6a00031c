package dev.palisade.vm;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the fields of one frame's payload, refusing to read past its end. Every failure names the
 * frame type and the field, so a bad peer is easy to diagnose.
 */
final class PayloadReader {
    private final FrameType type;
    private final ByteBuffer buf;

    PayloadReader(FrameType type, byte[] payload) {
        this.type = type;
        this.buf = ByteBuffer.wrap(payload);
    }

    private void need(int n, String field) throws FrameException {
        if (buf.remaining() < n) {
            throw new FrameException(type + " frame too short for " + field + ": needs " + n
                    + " more bytes, " + buf.remaining() + " left");
        }
    }

    int u8(String field) throws FrameException {
        need(1, field);
        return buf.get() & 0xff;
    }

    boolean bool(String field) throws FrameException {
        int b = u8(field);
        if (b > 1) {
            throw new FrameException(type + " frame: " + field + " must be 0 or 1, was " + b);
        }
        return b == 1;
    }

    int u16(String field) throws FrameException {
        need(2, field);
        return buf.getShort() & 0xffff;
    }

    /** A u32 that must fit a non-negative int (lengths, counts, credit). */
    int u31(String field) throws FrameException {
        need(4, field);
        int v = buf.getInt();
        if (v < 0) {
            throw new FrameException(type + " frame: " + field + " out of range: " + Integer.toUnsignedString(v));
        }
        return v;
    }

    long u63(String field) throws FrameException {
        need(8, field);
        long v = buf.getLong();
        if (v < 0) {
            throw new FrameException(type + " frame: " + field + " out of range: " + Long.toUnsignedString(v));
        }
        return v;
    }

    String string(String field) throws FrameException {
        int len = u31(field + " length");
        need(len, field);
        ByteBuffer slice = buf.slice(buf.position(), len);
        buf.position(buf.position() + len);
        try {
            // Strict decoding: a malformed sequence is an error, never silently replaced.
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new FrameException(type + " frame: " + field + " is not valid UTF-8");
        }
    }

    List<String> strings(String field) throws FrameException {
        int count = u31(field + " count");
        // Each string takes at least its 4-byte length: refuse absurd counts before allocating.
        if ((long) count * 4 > buf.remaining()) {
            throw new FrameException(type + " frame: " + field + " count " + count + " exceeds the payload");
        }
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(string(field + "[" + i + "]"));
        }
        return out;
    }

    byte[] rest() {
        byte[] out = Arrays.copyOfRange(buf.array(), buf.position(), buf.limit());
        buf.position(buf.limit());
        return out;
    }

    void end() throws FrameException {
        if (buf.hasRemaining()) {
            throw new FrameException(type + " frame has " + buf.remaining() + " trailing bytes");
        }
    }
}
