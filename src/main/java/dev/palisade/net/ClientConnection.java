package dev.palisade.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A connection of a proxy: a client accepted over TCP or a Unix domain socket, or an upstream. Its streams call the
 * channel directly so that one thread can block reading while another writes (the streams from
 * {@code Channels.newInputStream} serialize both on the channel's blocking lock).
 */
final class ClientConnection implements AutoCloseable {
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    ClientConnection(SocketChannel channel) {
        this.channel = channel;
        this.in = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                return channel.read(ByteBuffer.wrap(b, off, len));
            }
        };
        this.out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer bb = ByteBuffer.wrap(b, off, len);
                while (bb.hasRemaining()) {
                    channel.write(bb);
                }
            }
        };
    }

    InputStream in() {
        return in;
    }

    SocketChannel channel() {
        return channel;
    }

    OutputStream out() {
        return out;
    }

    void shutdownOutput() {
        try {
            channel.shutdownOutput();
        } catch (IOException ignored) {
            // already closed: nothing left to signal
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort; the peer sees EOF or a reset either way
        }
    }

    /**
     * This connection as a {@link Socket} for a {@link TunnelInterceptor}, with bytes the proxy has
     * already read from the client put back in front of the stream.
     *
     * @param unread bytes read past the proxy's handshake, to be read first
     * @return a socket view; closing it closes the connection
     */
    Socket asSocket(byte[] unread) throws SocketException {
        InputStream first = unread.length == 0 ? in : new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(unread), in);
        return new ChannelSocket(this, first);
    }

    SocketAddress remote() {
        try {
            return channel.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /** Socket facade: enough of java.net.Socket for stream use and for layering SSLSocket on top. */
    private static final class ChannelSocket extends Socket {
        private final ClientConnection conn;
        private final InputStream input;
        private volatile boolean closed;
        private int timeout;

        ChannelSocket(ClientConnection conn, InputStream input) throws SocketException {
            super((java.net.SocketImpl) null);
            this.conn = conn;
            this.input = input;
        }

        @Override
        public InputStream getInputStream() {
            return input;
        }

        @Override
        public OutputStream getOutputStream() {
            return conn.out;
        }

        @Override
        public void shutdownOutput() {
            conn.shutdownOutput();
        }

        @Override
        public void shutdownInput() {
            try {
                conn.channel.shutdownInput();
            } catch (IOException ignored) {
                // already closed
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            conn.close();
        }

        @Override
        public boolean isClosed() {
            return closed || !conn.channel.isOpen();
        }

        @Override
        public boolean isConnected() {
            return true;
        }

        @Override
        public boolean isBound() {
            return true;
        }

        @Override
        public boolean isInputShutdown() {
            return false;
        }

        @Override
        public boolean isOutputShutdown() {
            return false;
        }

        @Override
        public InetAddress getInetAddress() {
            return InetAddress.getLoopbackAddress();
        }

        @Override
        public InetAddress getLocalAddress() {
            return InetAddress.getLoopbackAddress();
        }

        @Override
        public int getPort() {
            return 0;
        }

        @Override
        public int getLocalPort() {
            return 0;
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            return conn.remote();
        }

        /** Recorded only: channel streams have no read timeout. */
        @Override
        public synchronized void setSoTimeout(int t) {
            this.timeout = t;
        }

        @Override
        public synchronized int getSoTimeout() {
            return timeout;
        }

        @Override
        public void setTcpNoDelay(boolean on) {
            // meaningless for a Unix socket; TCP clients are already unbuffered
        }

        @Override
        public boolean getTcpNoDelay() {
            return true;
        }

        @Override
        public void setSoLinger(boolean on, int linger) {
            // not applicable to the facade
        }

        @Override
        public int getSoLinger() {
            return -1;
        }

        @Override
        public void setKeepAlive(boolean on) {
            // not applicable to the facade
        }

        @Override
        public String toString() {
            return "ChannelSocket[" + conn.remote() + "]";
        }
    }
}
