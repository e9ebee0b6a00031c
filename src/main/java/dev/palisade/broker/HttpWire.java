package dev.palisade.broker;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/1.1 message syntax (RFC 9112): heads, framing, chunked coding. Strict where ambiguity could
 * let a client smuggle a second request past the broker's rewriting.
 */
final class HttpWire {
    static final int MAX_LINE = 64 * 1024;
    static final int MAX_HEAD = 256 * 1024;
    static final int MAX_FIELDS = 256;

    private HttpWire() {
    }

    /** A message that cannot be parsed; the caller answers 400 (client) or 502 (upstream). */
    static final class BadMessage extends IOException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        BadMessage(String message) {
            super(message);
        }
    }

    /**
     * Reads a message head.
     *
     * @param strict true for client requests: CRLF only, no leading empty lines beyond one
     * @return the head, or null on a clean end of stream before its first byte
     */
    static HttpHead readHead(InputStream in, boolean strict) throws IOException {
        String start = readLine(in, strict, true);
        if (start == null) {
            return null;
        }
        if (start.isEmpty()) {
            // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request.
            start = readLine(in, strict, false);
        }
        if (start.isEmpty() || start.charAt(0) == ' ') {
            throw new BadMessage("malformed start line");
        }
        List<HttpField> fields = new ArrayList<>();
        int total = start.length();
        while (true) {
            String line = readLine(in, strict, false);
            if (line.isEmpty()) {
                break;
            }
            total += line.length();
            if (total > MAX_HEAD || fields.size() >= MAX_FIELDS) {
                throw new BadMessage("header section too large");
            }
            char c0 = line.charAt(0);
            if (c0 == ' ' || c0 == '\t') {
                throw new BadMessage("obsolete line folding"); // RFC 9112 §5.2
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new BadMessage("header line without a name");
            }
            String name = line.substring(0, colon);
            if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new BadMessage("invalid header name"); // no white space before the colon (§5.1)
            }
            fields.add(new HttpField(name, line.substring(colon + 1).strip()));
        }
        return new HttpHead(start, fields);
    }

    private static String readLine(InputStream in, boolean strict, boolean eofOk) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (eofOk && buf.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a message head");
            }
            if (b == '\n') {
                byte[] a = buf.toByteArray();
                int len = a.length;
                if (len > 0 && a[len - 1] == '\r') {
                    len--;
                } else if (strict) {
                    throw new BadMessage("bare LF in message head");
                }
                String s = new String(a, 0, len, StandardCharsets.ISO_8859_1);
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if ((c < 0x20 && c != '\t') || c == 0x7f) {
                        throw new BadMessage("control character in message head");
                    }
                }
                return s;
            }
            buf.write(b);
            if (buf.size() > MAX_LINE) {
                throw new BadMessage("header line too long");
            }
        }
    }

    /** The framing of a request body (RFC 9112 §6.3, with ambiguity refused). */
    static Framing requestFraming(HttpHead head) throws BadMessage {
        return framing(head, false);
    }

    /**
     * The framing of a response body.
     *
     * @param method the request's method
     */
    static Framing responseFraming(HttpHead head, String method) throws IOException {
        int status = head.status();
        if (method.equals("HEAD") || status < 200 || status == 204 || status == 304) {
            return Framing.NONE;
        }
        return framing(head, true);
    }

    private static Framing framing(HttpHead head, boolean response) throws BadMessage {
        List<String> te = head.values("Transfer-Encoding");
        List<String> cl = head.values("Content-Length");
        if (!te.isEmpty()) {
            if (!cl.isEmpty()) {
                throw new BadMessage("both Transfer-Encoding and Content-Length");
            }
            if (te.size() != 1 || !te.getFirst().equalsIgnoreCase("chunked")) {
                throw new BadMessage("unsupported Transfer-Encoding");
            }
            return Framing.CHUNKED;
        }
        if (!cl.isEmpty()) {
            String first = cl.getFirst();
            for (String v : cl) {
                if (!v.equals(first)) {
                    throw new BadMessage("conflicting Content-Length");
                }
            }
            if (!first.matches("[0-9]{1,18}")) {
                throw new BadMessage("invalid Content-Length");
            }
            return Framing.length(Long.parseLong(first));
        }
        return response ? Framing.UNTIL_CLOSE : Framing.NONE;
    }

    /**
     * Reads the size line of the next chunk (RFC 9112 §7.1), ignoring extensions.
     *
     * @return the chunk size; 0 for the last chunk
     */
    static long readChunkSize(InputStream in, boolean strict) throws IOException {
        String line = readLine(in, strict, false);
        int semi = line.indexOf(';');
        String hex = (semi >= 0 ? line.substring(0, semi) : line).strip();
        if (!hex.matches("[0-9A-Fa-f]{1,15}")) {
            throw new BadMessage("invalid chunk size");
        }
        return Long.parseLong(hex, 16);
    }

    /** Reads the CRLF after a chunk's data. */
    static void readChunkEnd(InputStream in, boolean strict) throws IOException {
        if (!readLine(in, strict, false).isEmpty()) {
            throw new BadMessage("chunk data longer than its size");
        }
    }

    /** Reads the trailer section after the last chunk (possibly empty). */
    static List<HttpField> readTrailers(InputStream in, boolean strict) throws IOException {
        List<HttpField> out = new ArrayList<>();
        while (true) {
            String line = readLine(in, strict, false);
            if (line.isEmpty()) {
                return out;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || out.size() >= MAX_FIELDS) {
                throw new BadMessage("malformed trailer");
            }
            out.add(new HttpField(line.substring(0, colon), line.substring(colon + 1).strip()));
        }
    }

    /** Reads exactly {@code n} bytes. */
    static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("connection closed in the middle of a body");
        }
        return b;
    }

    static void writeChunk(OutputStream out, byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return; // a zero-size chunk would end the body
        }
        out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(b, off, len);
        out.write(CRLF);
    }

    static void writeLastChunk(OutputStream out, List<HttpField> trailers) throws IOException {
        StringBuilder sb = new StringBuilder("0\r\n");
        for (HttpField f : trailers) {
            sb.append(f.name()).append(": ").append(f.value()).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    static final byte[] CRLF = {'\r', '\n'};
}
