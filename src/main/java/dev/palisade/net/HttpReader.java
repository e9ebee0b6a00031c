package dev.palisade.net;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Buffered reading of HTTP/1.1 messages (RFC 9112): CRLF-terminated lines with a length limit, and
 * raw bytes. A bare CR or LF is an error, never a line end, so that no two parsers on the path can
 * disagree about where a line ends.
 */
final class HttpReader {
    private final InputStream in;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int end;

    HttpReader(InputStream in) {
        this.in = in;
    }

    private boolean fill() throws IOException {
        if (pos < end) {
            return true;
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        end = n;
        return true;
    }

    /**
     * Reads one line without its CRLF, as ISO-8859-1.
     *
     * @param max the longest line accepted
     * @return the line, or null on EOF before any byte of it
     * @throws HttpException on a bare CR or LF, or a line longer than {@code max}
     * @throws EOFException on EOF inside a line
     */
    String readLine(int max) throws IOException, HttpException {
        StringBuilder sb = new StringBuilder();
        boolean any = false;
        while (true) {
            if (!fill()) {
                if (!any) {
                    return null;
                }
                throw new EOFException("connection closed inside a line");
            }
            any = true;
            int b = buf[pos++] & 0xff;
            if (b == '\r') {
                if (!fill()) {
                    throw new EOFException("connection closed inside a line");
                }
                if (buf[pos] != '\n') {
                    throw new HttpException(400, "bare CR in message");
                }
                pos++;
                return sb.toString();
            }
            if (b == '\n') {
                throw new HttpException(400, "bare LF in message");
            }
            if (sb.length() >= max) {
                throw new HttpException(431, "line too long");
            }
            sb.append((char) b);
        }
    }

    /** Reads up to {@code len} bytes; -1 at EOF. */
    int read(byte[] b, int off, int len) throws IOException {
        if (pos < end) {
            int n = Math.min(len, end - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }
        return in.read(b, off, len);
    }

    /** Reads exactly {@code len} bytes or throws EOFException. */
    byte[] readExactly(int len) throws IOException {
        byte[] b = new byte[len];
        int off = 0;
        while (off < len) {
            int n = read(b, off, len - off);
            if (n < 0) {
                throw new EOFException("connection closed inside a message body");
            }
            off += n;
        }
        return b;
    }

    /** Whether more bytes are already buffered (a pipelined request). */
    boolean hasBuffered() {
        return pos < end;
    }

    /** Removes and returns the bytes buffered beyond what has been read. */
    byte[] drainBuffered() {
        byte[] rest = Arrays.copyOfRange(buf, pos, end);
        pos = end;
        return rest;
    }

    /** The stream underneath, for splicing once the buffer has been drained. */
    InputStream raw() {
        return in;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
