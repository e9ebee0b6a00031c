package dev.palisade.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.SandboxExtension;

/**
 * A stand-in for the network helper's bridge: a Unix socket bound into the sandbox that relays to
 * a TCP proxy on the host's loopback.
 */
final class UnixBridge implements SandboxExtension {
    static final String INSIDE = "/tmp/.bridge";

    private final Path dir;
    private final ServerSocketChannel server;
    private final int proxyPort;

    UnixBridge(Path dir, int proxyPort) throws IOException {
        this.dir = dir;
        this.proxyPort = proxyPort;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("proxy.sock")));
        Thread.ofVirtual().start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().start(() -> relay(c));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(SocketChannel c) {
        // Channel reads and writes directly: the Channels stream adapters share one lock and
        // would serialise the two directions.
        try (c; Socket up = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
            InputStream upIn = up.getInputStream();
            OutputStream upOut = up.getOutputStream();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    ByteBuffer buf = ByteBuffer.allocate(16384);
                    while (c.read(buf) >= 0) {
                        upOut.write(buf.array(), 0, buf.position());
                        upOut.flush();
                        buf.clear();
                    }
                    up.shutdownOutput();
                } catch (IOException ignored) {
                    // closed
                }
            });
            byte[] b = new byte[16384];
            int n;
            while ((n = upIn.read(b)) >= 0) {
                ByteBuffer w = ByteBuffer.wrap(b, 0, n);
                while (w.hasRemaining()) {
                    c.write(w);
                }
            }
            t.join(5000);
        } catch (IOException | InterruptedException ignored) {
            // closed
        }
    }

    @Override
    public void prepare(LaunchPlan plan) {
        plan.addBwrapArgs("--ro-bind", dir.toString(), INSIDE);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
