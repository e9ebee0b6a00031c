package dev.palisade.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Prerequisites;

/**
 * Off-the-shelf clients — the JDK's HttpsURLConnection and curl — trusting the session CA through
 * the files the broker exports, talking through a CONNECT proxy to a loopback TLS upstream.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealClientsTest {
    static final String SECRET = "ghp_RealSecretNeverInSandbox0123";

    @TempDir
    Path tmp;

    TestUpstream api;
    CredentialBroker broker;
    TestConnectProxy proxy;

    @BeforeEach
    void setUp() throws Exception {
        TestPki pki = new TestPki();
        api = new TestUpstream(pki.serverContext("api.test"), CredentialBrokerTest::echoAuth);
        CredentialSpec spec = new CredentialSpec("GH_TOKEN", List.of(new HostPattern("api.test")), Set.of(api.port()),
                new EnvSecret("HOST_GH"), HeaderInjection.parse("Authorization: Bearer {}"), MissingPlaceholder.PASS);
        broker = CredentialBroker.start(new BrokerConfig("s", List.of(spec)).withUpstreamExtraCa(pki.writeCa(tmp)),
                h -> true, e -> { }, Map.of("HOST_GH", SECRET));
        proxy = new TestConnectProxy(broker);
    }

    @AfterEach
    void tearDown() throws IOException {
        proxy.close();
        broker.close();
        api.close();
    }

    @Test
    void curlWithTheExportedBundleSendsPlaceholderAndUpstreamSeesTheSecret() throws Exception {
        Path curl = Prerequisites.requireExecutable("curl");
        String ph = broker.placeholder("GH_TOKEN");
        String url = "https://api.test:" + api.port() + "/user";
        // Two URLs on one command line: curl reuses the kept-alive tunnel.
        ProcessBuilder pb = new ProcessBuilder(curl.toString(), "-sS", "--fail-with-body", "--http1.1",
                "--proxy", "http://127.0.0.1:" + proxy.port(),
                "--cacert", broker.trustDirectory().resolve("ca-bundle.pem").toString(),
                "-H", "Authorization: Bearer " + ph, url, url)
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("auth=Bearer " + ph).doesNotContain(SECRET);
        List<TestUpstream.Request> seen = new ArrayList<>();
        api.requests.drainTo(seen);
        assertThat(seen).hasSize(2).allSatisfy(r -> assertThat(r.header("authorization")).isEqualTo("Bearer " + SECRET));
        assertThat(api.connections.get()).isEqualTo(1);
    }

    @Test
    void curlOfferingHttp2GetsHttp11ThroughAlpn() throws Exception {
        Path curl = Prerequisites.requireExecutable("curl");
        String ph = broker.placeholder("GH_TOKEN");
        ProcessBuilder pb = new ProcessBuilder(curl.toString(), "-sS", "--http2", "-o", "/dev/null",
                "-w", "%{http_version} %{http_code}",
                "--proxy", "http://127.0.0.1:" + proxy.port(),
                "--cacert", broker.trustDirectory().resolve("session-ca.pem").toString(),
                "-H", "Authorization: Bearer " + ph, "https://api.test:" + api.port() + "/")
                .redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).isEqualTo("1.1 200");
        assertThat(api.requests.poll(5, TimeUnit.SECONDS).header("authorization")).isEqualTo("Bearer " + SECRET);
    }

    @Test
    void javaHttpsUrlConnectionTrustingTheExportedTruststoreWorks() throws Exception {
        var ks = java.security.KeyStore.getInstance(broker.trustDirectory().resolve("truststore.p12").toFile(),
                TrustFiles.TRUSTSTORE_PASSWORD.toCharArray());
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        String ph = broker.placeholder("GH_TOKEN");
        Proxy viaProxy = new Proxy(Proxy.Type.HTTP,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()));
        var conn = (HttpsURLConnection) URI.create("https://api.test:" + api.port() + "/repos").toURL()
                .openConnection(viaProxy);
        conn.setSSLSocketFactory(ctx.getSocketFactory());
        conn.setRequestProperty("Authorization", "Bearer " + ph);
        conn.setConnectTimeout(10_000);
        conn.setReadTimeout(10_000);
        assertThat(conn.getResponseCode()).isEqualTo(200);
        try (InputStream in = conn.getInputStream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("Bearer " + ph)
                    .doesNotContain(SECRET);
        }
        assertThat(api.requests.poll(5, TimeUnit.SECONDS).header("authorization")).isEqualTo("Bearer " + SECRET);
    }

    @Test
    void curlPostingALargeBodyWithExpectContinueGetsThrough() throws Exception {
        Path curl = Prerequisites.requireExecutable("curl");
        String ph = broker.placeholder("GH_TOKEN");
        Path body = tmp.resolve("body.json");
        java.nio.file.Files.writeString(body, "{\"data\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}");
        // --expect100-timeout 30: a broker that ignored the expectation would stall curl visibly.
        ProcessBuilder pb = new ProcessBuilder(curl.toString(), "-sS", "--fail-with-body", "--http1.1",
                "--expect100-timeout", "30", "-H", "Expect: 100-continue", "-o", "/dev/null", "-w", "%{http_code}",
                "--proxy", "http://127.0.0.1:" + proxy.port(),
                "--cacert", broker.trustDirectory().resolve("ca-bundle.pem").toString(),
                "-H", "Authorization: Bearer " + ph, "-H", "Content-Type: application/json",
                "--data-binary", "@" + body, "https://api.test:" + api.port() + "/upload")
                .redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).isEqualTo("200");
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(20));
        TestUpstream.Request seen = api.requests.poll(5, TimeUnit.SECONDS);
        assertThat(seen.header("authorization")).isEqualTo("Bearer " + SECRET);
        assertThat(seen.header("expect")).isNull();
        assertThat(seen.body()).hasSize((int) java.nio.file.Files.size(body));
    }
}
