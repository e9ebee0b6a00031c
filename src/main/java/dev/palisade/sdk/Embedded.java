package dev.palisade.sdk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import dev.palisade.daemon.Daemon;
import dev.palisade.sandbox.RuntimeDirs;

/**
 * {@link Palisade#embedded()}: the daemon's own server, bound in this JVM on a socket in a fresh 0700
 * folder, and an ordinary client connected to it. Running the real server rather than calling its
 * dispatcher directly keeps one code path: the same validation, output filters, backpressure and
 * error codes as a separate daemon, for the price of a local socket hop. The folder (socket and
 * session records) is deleted on close; sandboxes die with the JVM in any case (bwrap
 * {@code --die-with-parent}).
 */
final class Embedded {
    private static final System.Logger LOG = System.getLogger("palisade.sdk");

    private Embedded() {
    }

    static Palisade start() throws PalisadeException {
        Path dir;
        Daemon daemon;
        try {
            dir = Files.createTempDirectory("palisade-embedded-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new PalisadeException("embedded-failed", "cannot create a private folder: " + e.getMessage(), e);
        }
        try {
            daemon = Daemon.bind(dir.resolve("run").resolve("api.sock"), dir.resolve("state"));
        } catch (IOException | RuntimeException e) {
            RuntimeDirs.deleteTree(dir);
            throw new PalisadeException("embedded-failed", "cannot start the embedded daemon in " + dir + ": "
                    + e.getMessage(), e);
        }
        Thread serving = Thread.ofVirtual().name("palisade-embedded").start(() -> {
            try {
                daemon.serve();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "embedded daemon stopped: " + e.getMessage(), e);
            }
        });
        return Client.open(daemon.socket(), () -> {
            daemon.close();
            try {
                serving.join(java.time.Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            RuntimeDirs.deleteTree(dir);
        });
    }
}
