package dev.palisade.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import tools.jackson.databind.JsonNode;

/**
 * Saving and restoring guest state through QEMU migration streams (docs/devel/migration in QEMU;
 * QMP {@code migrate}, {@code migrate-incoming}, {@code query-migrate}).
 */
final class Snapshots {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Snapshots() {
    }

    static byte[] entropy() {
        byte[] b = new byte[64];
        RANDOM.nextBytes(b);
        return b;
    }

    static void save(Qmp qmp, VmConfig config, Path file, Duration timeout) throws IOException, InterruptedException {
        Path sock = config.runtimeDir().resolve("migrate.sock");
        Files.deleteIfExists(sock);
        // createTempFile makes it 0600 (the guest's memory is in it) with a unique name, so two
        // writers never share a temporary file; the rename is atomic.
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp");
        AtomicReference<IOException> copyError = new AtomicReference<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread copier = Thread.ofVirtual().name("vm-snapshot-writer").start(() -> {
                try (SocketChannel ch = server.accept(); InputStream in = ChannelStreams.in(ch);
                        OutputStream out = Files.newOutputStream(tmp)) {
                    in.transferTo(out);
                } catch (IOException e) {
                    copyError.set(e);
                }
            });
            // The default bandwidth cap (128 MiB/s) only slows a local stream down.
            qmp.execute("migrate-set-parameters", Map.of("max-bandwidth", 1L << 40));
            qmp.execute("stop", Map.of());
            qmp.execute("migrate", Map.of("uri", "unix:" + sock));
            awaitCompleted(qmp, System.nanoTime() + timeout.toNanos(), "snapshot save");
            copier.join(timeout);
            if (copier.isAlive()) {
                throw new IOException("snapshot writer did not finish within " + timeout);
            }
            if (copyError.get() != null) {
                throw new IOException("writing the snapshot failed: " + copyError.get().getMessage(), copyError.get());
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(sock);
        }
    }

    static void restore(Qmp qmp, VmConfig config, Path snapshot, long deadline)
            throws IOException, InterruptedException {
        Path sock = config.runtimeDir().resolve("incoming.sock");
        Files.deleteIfExists(sock);
        qmp.execute("migrate-incoming", Map.of("uri", "unix:" + sock));
        try (SocketChannel ch = connect(sock, deadline); OutputStream out = ChannelStreams.out(ch);
                InputStream in = Files.newInputStream(snapshot)) {
            in.transferTo(out);
        } finally {
            Files.deleteIfExists(sock);
        }
        awaitCompleted(qmp, deadline, "snapshot restore");
        // The source was stopped before it was saved, so the restored guest starts paused.
        qmp.execute("cont", Map.of());
    }

    private static SocketChannel connect(Path sock, long deadline) throws IOException, InterruptedException {
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(sock));
                return ch;
            } catch (IOException e) {
                ch.close();
                if (System.nanoTime() > deadline) {
                    throw new IOException("QEMU did not listen for the snapshot at " + sock, e);
                }
                Thread.sleep(10);
            }
        }
    }

    private static void awaitCompleted(Qmp qmp, long deadline, String what) throws IOException, InterruptedException {
        while (true) {
            JsonNode r = qmp.execute("query-migrate", Map.of());
            String status = r.path("status").asString("");
            switch (status) {
                case "completed" -> {
                    return;
                }
                case "failed", "cancelled" -> throw new IOException(what + " " + status + ": "
                        + r.path("error-desc").asString("no reason given"));
                default -> {
                    if (System.nanoTime() > deadline) {
                        throw new IOException(what + " did not complete in time (status '" + status + "')");
                    }
                    Thread.sleep(20);
                }
            }
        }
    }
}
