package dev.palisade.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Reads a secret from its host-side source. Never logs or echoes the secret. */
final class SecretReader {
    private static final int MAX_SECRET = 64 * 1024;

    private final Map<String, String> env;

    SecretReader(Map<String, String> env) {
        this.env = env;
    }

    /**
     * Reads the current secret.
     *
     * @throws IOException with a message naming the source (not the secret) when it is missing,
     *     empty, too large, or not usable in an HTTP header
     */
    String read(SecretSource source) throws IOException {
        String value = switch (source) {
            case EnvSecret e -> {
                String v = env.get(e.variable());
                if (v == null) {
                    throw new IOException(source.describe() + " is not set");
                }
                yield v;
            }
            case FileSecret f -> {
                if (!Files.isRegularFile(f.path())) {
                    throw new IOException(source.describe() + " does not exist or is not a regular file");
                }
                if (Files.size(f.path()) > MAX_SECRET) {
                    throw new IOException(source.describe() + " is larger than " + MAX_SECRET + " bytes");
                }
                yield Files.readString(f.path(), StandardCharsets.UTF_8);
            }
            case CommandSecret c -> runCommand(c);
        };
        value = value.strip();
        if (value.isEmpty()) {
            throw new IOException(source.describe() + " gave an empty secret");
        }
        // The secret ends up in a header or a URL: refuse what would break the message framing.
        if (value.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new IOException(source.describe() + " gave a secret with control characters or several lines");
        }
        return value;
    }

    private static String runCommand(CommandSecret c) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(c.argv())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException(c.describe() + " cannot be started: " + e.getMessage(), e);
        }
        try (InputStream out = p.getInputStream()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] b = new byte[4096];
            long deadline = System.nanoTime() + c.timeout().toNanos();
            // Read on this (virtual) thread; a helper that never closes stdout is killed below.
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    if (!p.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            int n;
            while ((n = out.read(b)) > 0) {
                buf.write(b, 0, n);
                if (buf.size() > MAX_SECRET) {
                    p.destroyForcibly();
                    throw new IOException(c.describe() + " printed more than " + MAX_SECRET + " bytes");
                }
            }
            int status = p.waitFor();
            watchdog.interrupt();
            if (System.nanoTime() > deadline) {
                throw new IOException(c.describe() + " timed out after " + c.timeout());
            }
            if (status != 0) {
                throw new IOException(c.describe() + " failed with exit status " + status);
            }
            return buf.toString(StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + c.describe(), e);
        }
    }
}
