package dev.palisade.seccomp;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** A host Unix stream socket that counts who connects to it; used by {@code seccomp test}. */
final class HostStreamListener implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path path;
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread acceptor;

    private HostStreamListener(ServerSocketChannel server, Path path) {
        this.server = server;
        this.path = path;
        this.acceptor = Thread.ofVirtual().name("seccomp-test-listener").start(this::acceptLoop);
    }

    static HostStreamListener open(Path path) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        // The sandbox may run as another uid mapping; connect(2) needs write permission.
        Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        return new HostStreamListener(s, path);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                connections.incrementAndGet();
                c.close();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    int connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
