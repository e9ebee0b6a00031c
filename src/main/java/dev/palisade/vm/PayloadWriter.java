package dev.palisade.vm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Writes payload fields in the wire format that {@link PayloadReader} reads: big-endian integers. */
final class PayloadWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PayloadWriter u8(int v) {
        out.write(v);
        return this;
    }

    PayloadWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    PayloadWriter u16(int v) {
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    PayloadWriter u32(int v) {
        u16(v >>> 16);
        return u16(v & 0xffff);
    }

    PayloadWriter u64(long v) {
        u32((int) (v >>> 32));
        return u32((int) v);
    }

    PayloadWriter string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u32(b.length);
        out.writeBytes(b);
        return this;
    }

    PayloadWriter strings(List<String> list) {
        u32(list.size());
        list.forEach(this::string);
        return this;
    }

    PayloadWriter bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
