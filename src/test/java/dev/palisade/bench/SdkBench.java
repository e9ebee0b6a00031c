package dev.palisade.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.palisade.daemon.Daemon;
import dev.palisade.sdk.Palisade;
import dev.palisade.sdk.SandboxProcess;
import dev.palisade.sdk.Session;
import dev.palisade.sdk.SessionOptions;
import dev.palisade.sandbox.RuntimeDirs;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the SDK adds on top of the daemon protocol, in one warm JVM with the daemon in-process:
 * warm exec of {@code true} (exec until the exit is delivered) through a bare NDJSON client and through
 * the SDK, interleaved; then stdout throughput of {@code head -c SIZE /dev/zero} to each.
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -cp … dev.palisade.bench.SdkBench [N] [MiB]}
 */
public final class SdkBench {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private SdkBench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args N execs per variant (default 200), MiB of output per throughput run (default 1024)
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        Path dir = Files.createTempDirectory("sdk-bench");
        Daemon daemon = Daemon.bind(dir.resolve("run/api.sock"), dir.resolve("state"));
        Thread serving = Thread.ofVirtual().start(() -> {
            try {
                daemon.serve();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (Palisade p = Palisade.connect(daemon.socket()); Session s = p.createSession(SessionOptions.of());
                Raw raw = new Raw(daemon.socket())) {
            List<Double> sdk = new ArrayList<>();
            List<Double> bare = new ArrayList<>();
            for (int i = 0; i < n + 20; i++) { // the first 20 of each warm up
                long t0 = System.nanoTime();
                s.exec("sh", "-c", "true").waitFor();
                long t1 = System.nanoTime();
                raw.execToExit(s.id(), "true");
                long t2 = System.nanoTime();
                if (i >= 20) {
                    sdk.add((t1 - t0) / 1e6);
                    bare.add((t2 - t1) / 1e6);
                }
            }
            System.out.printf("warm exec of sh -c true, %d runs (ms): bare client %s | SDK %s%n", n, stats(bare), stats(sdk));
            String cmd = "head -c " + (mib << 20) + " /dev/zero";
            for (int round = 0; round < 2; round++) {
                long t0 = System.nanoTime();
                long rawBytes = raw.execCount(s.id(), cmd);
                double rawS = (System.nanoTime() - t0) / 1e9;
                AtomicLong bytes = new AtomicLong();
                AtomicLong lost = new AtomicLong();
                t0 = System.nanoTime();
                SandboxProcess proc = s.exec("sh", "-c", cmd);
                proc.onOutput(c -> bytes.addAndGet(c.bytes().length)).onLost(l -> lost.addAndGet(l.bytes()));
                proc.waitFor();
                double sdkS = (System.nanoTime() - t0) / 1e9;
                System.out.printf("stdout %d MiB: bare client %.0f MB/s (%d bytes) | SDK onOutput %.0f MB/s (%d bytes, %d lost)%n",
                        mib, rawBytes / rawS / 1e6, rawBytes, bytes.get() / sdkS / 1e6, bytes.get(), lost.get());
            }
        } finally {
            daemon.close();
            serving.join();
            RuntimeDirs.deleteTree(dir);
        }
    }

    private static String stats(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return String.format("min %.2f median %.2f p90 %.2f", s.getFirst(), s.get(s.size() / 2), s.get(s.size() * 9 / 10));
    }

    /** The least a client can do: write a frame, read lines until the exit event. */
    private static final class Raw implements AutoCloseable {
        private final SocketChannel ch;
        private final OutputStream out;
        private final BufferedReader in;
        private int id;

        Raw(Path socket) throws java.io.IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            out = Channels.newOutputStream(ch);
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8), 1 << 16);
        }

        private void exec(String session, String... argv) throws java.io.IOException {
            var req = JSON.createObjectNode().put("id", Integer.toString(++id)).put("op", "exec").put("session", session);
            var a = req.putArray("argv");
            for (String s : argv) {
                a.add(s);
            }
            out.write((req + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void execToExit(String session, String cmd) throws java.io.IOException {
            execCount(session, cmd);
        }

        /** Runs {@code sh -c cmd}; returns the stdout bytes received before its exit. */
        long execCount(String session, String cmd) throws java.io.IOException {
            exec(session, "sh", "-c", cmd);
            long bytes = 0;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("{\"event\":\"output\"")) {
                    int d = line.indexOf("\"data\":\"") + 8;
                    bytes += Base64.getDecoder().decode(line.substring(d, line.indexOf('"', d))).length;
                } else if (line.startsWith("{\"event\":\"exit\"")) {
                    return bytes;
                } else if (line.startsWith("{\"event\":\"lost\"")) {
                    JsonNode l = JSON.readTree(line);
                    System.out.println("bare client lost " + l.get("bytes"));
                }
            }
            throw new java.io.EOFException("daemon closed the connection");
        }

        @Override
        public void close() throws java.io.IOException {
            ch.close();
        }
    }
}
