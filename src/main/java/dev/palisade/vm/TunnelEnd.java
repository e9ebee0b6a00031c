package dev.palisade.vm;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * One side of a proxied connection carried over the channel: bytes read from the local socket go
 * out as PROXY_DATA on the tunnel's stream, PROXY_DATA received is written to the socket. PROXY_CLOSE
 * is a half-close, like TCP's FIN: end of the local socket's input is sent as PROXY_CLOSE, a
 * PROXY_CLOSE received shuts down the local socket's output, and the socket is closed once both
 * directions are done (clients such as nc half-close and still read the answer). Used by the guest
 * agent (socket = a guest program's connection to the agent's local proxy port) and by the host
 * (socket = its proxy).
 */
final class TunnelEnd {
    /** Shuts down the local socket's output (shutdown(2) with SHUT_WR). */
    @FunctionalInterface
    interface Shutdown {
        void shutdownOutput() throws IOException;
    }

    private final int stream;
    private final InputStream in;
    private final OutputStream out;
    private final Closeable socket;
    private final Shutdown shutdown;
    private final FrameSink sink;
    private final Runnable onClosed;
    private boolean sentClose;
    private boolean receivedClose;
    private boolean closed;

    TunnelEnd(int stream, InputStream in, OutputStream out, Closeable socket, Shutdown shutdown, FrameSink sink,
            Runnable onClosed) {
        this.stream = stream;
        this.in = in;
        this.out = out;
        this.socket = socket;
        this.shutdown = shutdown;
        this.sink = sink;
        this.onClosed = onClosed;
    }

    void start() {
        Thread.ofVirtual().name("tunnel-" + stream).start(() -> {
            byte[] buf = new byte[GuestCommand.CHUNK];
            try {
                for (int n; (n = in.read(buf)) > 0;) {
                    sink.send(new Frame.ProxyData(stream, Arrays.copyOf(buf, n)));
                }
                localEnded();
            } catch (IOException e) {
                abort();
            }
        });
    }

    /** Bytes from the other side of the channel. */
    void data(byte[] data) {
        try {
            out.write(data);
            out.flush();
        } catch (IOException e) {
            abort();
        }
    }

    /** The other side will send no more. */
    void remoteClosed() {
        synchronized (this) {
            receivedClose = true;
        }
        try {
            shutdown.shutdownOutput();
        } catch (IOException e) {
            // Already closed locally.
        }
        closeIfDone();
    }

    private void localEnded() {
        sendClose();
        closeIfDone();
    }

    /** A failure on the local socket: both directions end now. */
    private void abort() {
        sendClose();
        synchronized (this) {
            receivedClose = true;
        }
        closeIfDone();
    }

    private void sendClose() {
        synchronized (this) {
            if (sentClose) {
                return;
            }
            sentClose = true;
        }
        try {
            sink.send(new Frame.ProxyClose(stream));
        } catch (IOException e) {
            // The channel is gone; nothing left to tell.
        }
    }

    private void closeIfDone() {
        synchronized (this) {
            if (closed || !sentClose || !receivedClose) {
                return;
            }
            closed = true;
        }
        try {
            socket.close();
        } catch (IOException e) {
            // Closing is best effort; the stream is finished either way.
        }
        onClosed.run();
    }
}
