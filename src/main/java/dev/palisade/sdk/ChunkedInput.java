package dev.palisade.sdk;

import java.io.InputStream;

/** A file read through {@code file.read}, one chunk at a time, each fetched when the last is used up. */
final class ChunkedInput extends InputStream {
    private final RemoteSession session;
    private final String path;
    private byte[] buf;
    private int pos;
    private long next;
    private boolean eof;

    ChunkedInput(RemoteSession session, String path, RemoteSession.Chunk first) {
        this.session = session;
        this.path = path;
        take(first);
    }

    private void take(RemoteSession.Chunk c) {
        buf = c.data();
        pos = 0;
        next += buf.length;
        eof = c.eof() || buf.length == 0;
    }

    private boolean fill() throws PalisadeException {
        while (pos == buf.length) {
            if (eof) {
                return false;
            }
            take(session.readChunk(path, next));
        }
        return true;
    }

    @Override
    public int read() throws PalisadeException {
        return fill() ? buf[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws PalisadeException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, buf.length - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return buf.length - pos;
    }
}
