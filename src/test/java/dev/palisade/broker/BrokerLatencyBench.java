package dev.palisade.broker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.net.ssl.SSLContext;

/**
 * Added latency of the credential broker against a plain spliced tunnel, on loopback: keep-alive
 * GETs (p50/p99), first request on a new connection (TLS handshakes included), and leaf minting.
 * Run by {@code bench/broker-latency.sh}; not a test.
 */
public final class BrokerLatencyBench {
    private BrokerLatencyBench() {
    }

    /**
     * @param args [requests per mode, new connections per mode]
     */
    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int conns = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path tmp = Files.createTempDirectory("broker-bench");
        TestPki pki = new TestPki();
        TestUpstream.Handler ok = (r, out) -> TestUpstream.respond(out, 200, "{\"ok\":true}");
        try (TestUpstream brokered = new TestUpstream(pki.serverContext("api.test"), ok);
                TestUpstream plain = new TestUpstream(pki.serverContext("plain.test"), ok)) {
            CredentialSpec spec = new CredentialSpec("API_TOKEN", List.of(new HostPattern("api.test")),
                    Set.of(brokered.port()), new EnvSecret("S"), HeaderInjection.parse("Authorization: Bearer {}"),
                    MissingPlaceholder.PASS);
            CredentialBroker broker = CredentialBroker.start(
                    new BrokerConfig("bench", List.of(spec)).withUpstreamExtraCa(pki.writeCa(tmp)), h -> true,
                    e -> { }, Map.of("S", "sk-bench-secret-0123456789"));
            try (TestConnectProxy proxy = new TestConnectProxy(broker)) {
                SSLContext sessionTrust = TestPki.clientTrusting(
                        UpstreamTls.readCertificates(broker.trustDirectory().resolve("session-ca.pem")).getFirst());
                SSLContext upstreamTrust = TestPki.clientTrusting(pki.caCert);
                String auth = "Authorization: Bearer " + broker.placeholder("API_TOKEN");

                // Warm both paths (JIT, session caches) before measuring.
                keepAlive(proxy, "plain.test", plain.port(), upstreamTrust, auth, requests);
                keepAlive(proxy, "api.test", brokered.port(), sessionTrust, auth, requests);
                long[] p = keepAlive(proxy, "plain.test", plain.port(), upstreamTrust, auth, requests);
                long[] b = keepAlive(proxy, "api.test", brokered.port(), sessionTrust, auth, requests);
                report("keep-alive GET, plain tunnel", p);
                report("keep-alive GET, broker", b);
                System.out.printf("added p50 %.3f ms, added p99 %.3f ms%n", (pct(b, 50) - pct(p, 50)) / 1e6,
                        (pct(b, 99) - pct(p, 99)) / 1e6);

                long[] pc = newConnections(proxy, "plain.test", plain.port(), upstreamTrust, auth, conns);
                long[] bc = newConnections(proxy, "api.test", brokered.port(), sessionTrust, auth, conns);
                report("new connection + first GET, plain tunnel", pc);
                report("new connection + first GET, broker", bc);

                long[] mint = new long[500];
                for (int i = 0; i < 200; i++) {
                    broker.mintLeafNanos("warm" + i + ".test");
                }
                for (int i = 0; i < mint.length; i++) {
                    mint[i] = broker.mintLeafNanos("host" + i + ".example.com");
                }
                report("leaf certificate minting", mint);
            } finally {
                broker.close();
            }
        } finally {
            new TrustFiles(tmp).delete(); // removes the directory tree
        }
    }

    private static long[] keepAlive(TestConnectProxy proxy, String host, int port, SSLContext trust, String auth,
            int n) throws Exception {
        long[] t = new long[n];
        try (TestClient c = new TestClient(proxy.port(), host, port, trust)) {
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                TestClient.Response r = c.get("/v1/ping", auth);
                t[i] = System.nanoTime() - t0;
                if (r.status() != 200) {
                    throw new IllegalStateException("status " + r.status());
                }
            }
        }
        return t;
    }

    private static long[] newConnections(TestConnectProxy proxy, String host, int port, SSLContext trust,
            String auth, int n) throws Exception {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            try (TestClient c = new TestClient(proxy.port(), host, port, trust)) {
                c.get("/v1/ping", auth);
            }
            t[i] = System.nanoTime() - t0;
        }
        return t;
    }

    private static double pct(long[] t, int p) {
        long[] s = t.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    private static void report(String what, long[] t) {
        System.out.printf("%-42s n=%5d  p50 %8.3f ms  p99 %8.3f ms%n", what, t.length, pct(t, 50) / 1e6,
                pct(t, 99) / 1e6);
    }
}
