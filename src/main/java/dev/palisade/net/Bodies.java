package dev.palisade.net;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Relays one message body with exactly the framing that was parsed, so the next message on the
 * connection starts where both sides think it does. Chunked bodies are re-encoded (sizes
 * normalized, extensions and trailers dropped) rather than copied, so nothing ambiguous passes.
 */
final class Bodies {
    private static final int BUFFER = 64 * 1024;

    private Bodies() {
    }

    /**
     * Copies a body.
     *
     * @param in where it comes from
     * @param out where it goes; null to discard
     * @param f its framing
     * @param quota byte cap of the session
     * @throws HttpException(400) on malformed chunked framing, (503) when the byte cap is hit
     */
    static void relay(HttpReader in, OutputStream out, HttpMessages.Framing f, SessionQuota quota)
            throws IOException, HttpException {
        switch (f.kind()) {
            case NONE -> { }
            case LENGTH -> copy(in, out, f.length(), quota);
            case CHUNKED -> chunked(in, out, quota);
            case UNTIL_CLOSE -> copy(in, out, Long.MAX_VALUE, quota);
        }
        if (out != null) {
            out.flush();
        }
    }

    private static void copy(HttpReader in, OutputStream out, long length, SessionQuota quota)
            throws IOException, HttpException {
        byte[] buf = new byte[BUFFER];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                if (length == Long.MAX_VALUE) {
                    return;
                }
                throw new EOFException("connection closed inside a body");
            }
            if (!quota.addBytes(n)) {
                throw new HttpException(503, "network.maxBytes reached for this session");
            }
            if (out != null) {
                out.write(buf, 0, n);
            }
            left -= n;
        }
    }

    /** RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; last-chunk; trailers. */
    private static void chunked(HttpReader in, OutputStream out, SessionQuota quota) throws IOException, HttpException {
        while (true) {
            String line = in.readLine(HttpMessages.MAX_LINE);
            if (line == null) {
                throw new EOFException("connection closed inside a chunked body");
            }
            long size = chunkSize(line);
            if (size == 0) {
                HttpMessages.readHeaders(in); // trailers: validated, then dropped
                if (out != null) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                return;
            }
            if (out != null) {
                out.write((Long.toHexString(size) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            copy(in, out, size, quota);
            String end = in.readLine(2);
            if (end == null || !end.isEmpty()) {
                throw new HttpException(400, "chunk not followed by CRLF");
            }
            if (out != null) {
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
        }
    }

    static long chunkSize(String line) throws HttpException {
        int semi = line.indexOf(';');
        String hex = semi < 0 ? line : line.substring(0, semi);
        if (hex.isEmpty() || hex.length() > 15) {
            throw new HttpException(400, "invalid chunk size");
        }
        long v = 0;
        for (int i = 0; i < hex.length(); i++) {
            int d = Character.digit(hex.charAt(i), 16);
            if (d < 0 || hex.charAt(i) > 'f') {
                throw new HttpException(400, "invalid chunk size");
            }
            v = (v << 4) | d;
        }
        if (semi >= 0) {
            String ext = line.substring(semi);
            for (int i = 0; i < ext.length(); i++) {
                char c = ext.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new HttpException(400, "control character in chunk extension");
                }
            }
        }
        return v;
    }
}
