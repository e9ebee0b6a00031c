package dev.palisade.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

import dev.palisade.daemon.Daemon;

/** A real daemon serving on a test folder's socket, in this JVM, for SDK and CLI tests. */
public final class TestDaemon implements AutoCloseable {
    private final Daemon daemon;
    private final Thread serving;

    /**
     * Binds and serves.
     *
     * @param dir the test folder; the socket is {@code dir/run/api.sock}
     * @throws IOException if it cannot bind
     */
    public TestDaemon(Path dir) throws IOException {
        daemon = Daemon.bind(dir.resolve("run/api.sock"), dir.resolve("state"));
        serving = Thread.ofVirtual().start(() -> {
            try {
                daemon.serve();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The socket path. */
    public Path socket() {
        return daemon.socket();
    }

    @Override
    public void close() {
        daemon.close();
        try {
            if (!serving.join(Duration.ofSeconds(10))) {
                throw new AssertionError("the daemon did not stop serving within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping the daemon", e);
        }
    }
}
