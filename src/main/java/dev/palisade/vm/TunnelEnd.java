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
 *
 * <p>Flow control: bytes read from the socket are sent only within the peer's credit (the reading
 * thread waits for more); bytes received are queued and written to the socket by their own
 * thread, which grants credit back as it writes. A socket that does not read therefore stalls its
 * own tunnel only, never the channel's reader or another stream.
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
    /** The writer has written everything received and shut the socket's output (or it failed). */
    private boolean drained;
    private final SendWindow sendWindow = new SendWindow();
    private final ReceiveWindow receiveWindow = new ReceiveWindow("PROXY_DATA");
    private final java.util.concurrent.LinkedBlockingQueue<byte[]> toSocket = new java.util.concurrent.LinkedBlockingQueue<>();
    private static final byte[] END = new byte[0];

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
                    for (int off = 0; off < n;) {
                        int k = sendWindow.acquire(n - off);
                        sink.send(new Frame.ProxyData(stream, Arrays.copyOfRange(buf, off, off + k)));
                        off += k;
                    }
                }
                localEnded();
            } catch (IOException e) {
                abort();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
            }
        });
        Thread.ofVirtual().name("tunnel-" + stream + "-write").start(this::writeLoop);
    }

    /** Writes queued bytes to the socket, granting credit back as they leave. */
    private void writeLoop() {
        try {
            while (true) {
                byte[] data = toSocket.take();
                if (data == END) {
                    synchronized (this) {
                        drained = true;
                    }
                    try {
                        shutdown.shutdownOutput();
                    } catch (IOException e) {
                        // Already closed locally.
                    }
                    closeIfDone();
                    return;
                }
                out.write(data);
                out.flush();
                int grant = receiveWindow.consumed(data.length);
                if (grant > 0) {
                    sink.send(new Frame.Credit(stream, grant));
                }
            }
        } catch (IOException e) {
            abort();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Bytes from the other side of the channel: counted against the window and queued; never
     * blocks the caller (the channel's reader).
     *
     * @throws FrameException if the peer overran the window
     */
    void data(byte[] data) throws FrameException {
        receiveWindow.receive(stream, data.length);
        toSocket.add(data);
    }

    /**
     * Credit from the other side.
     *
     * @throws FrameException if the grants add up to an impossible window
     */
    void credit(int bytes) throws FrameException {
        sendWindow.grant(bytes, stream);
    }

    /** The other side will send no more: the socket's output is shut down after the queued bytes. */
    void remoteClosed() {
        synchronized (this) {
            if (receivedClose) {
                return;
            }
            receivedClose = true;
        }
        toSocket.add(END);
    }

    private void localEnded() {
        sendClose();
        closeIfDone();
    }

    /**
     * The channel's connection ended: the other side of this tunnel is gone with it (a re-attaching
     * host re-attaches commands, not tunnels), so the local socket is closed instead of stalling.
     */
    void channelLost() {
        abort();
    }

    /** A failure on the local socket: both directions end now. */
    private void abort() {
        sendClose();
        synchronized (this) {
            receivedClose = true;
            drained = true;
        }
        sendWindow.close();
        toSocket.add(END);
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
            if (closed || !sentClose || !drained) {
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
