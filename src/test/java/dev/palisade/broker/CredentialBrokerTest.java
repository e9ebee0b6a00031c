package dev.palisade.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.Event;
import dev.palisade.api.ViolationEvent;

/** The broker between a real TLS client and a real TLS upstream, all on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CredentialBrokerTest {
    static final String SECRET = "sk-real-secret-7f3a9c";
    static final String OTHER_SECRET = "other-real-secret-42";

    @TempDir
    Path tmp;

    TestPki pki;
    Path upstreamCa;
    TestUpstream api;
    TestUpstream other;
    CredentialBroker broker;
    TestConnectProxy proxy;
    SSLContext clientTrust;
    final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
        upstreamCa = pki.writeCa(tmp);
        api = new TestUpstream(pki.serverContext("api.test"), CredentialBrokerTest::echoAuth);
        other = new TestUpstream(pki.serverContext("other.test"), CredentialBrokerTest::echoAuth);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        if (broker != null) {
            broker.close();
        }
        api.close();
        other.close();
    }

    /** Answers with the Authorization and x-api-key it received, in a header and the body. */
    static void echoAuth(TestUpstream.Request r, OutputStream out) throws IOException {
        String auth = String.valueOf(r.header("authorization"));
        TestUpstream.respond(out, 200, "auth=" + auth + " key=" + r.header("x-api-key") + " body=" + r.bodyText(),
                "X-Echo: " + auth);
    }

    CredentialSpec apiCredential(MissingPlaceholder onMissing) {
        return new CredentialSpec("API_TOKEN", List.of(new HostPattern("api.test")), Set.of(api.port()),
                new EnvSecret("HOST_API_SECRET"), HeaderInjection.parse("Authorization: Bearer {}"), onMissing);
    }

    CredentialSpec otherCredential() throws IOException {
        Path f = tmp.resolve("other-secret");
        Files.writeString(f, OTHER_SECRET + "\n");
        return new CredentialSpec("OTHER_KEY", List.of(new HostPattern("other.test")), Set.of(other.port()),
                new FileSecret(f), HeaderInjection.parse("x-api-key: {}"), MissingPlaceholder.PASS);
    }

    void start(CredentialSpec... specs) throws Exception {
        BrokerConfig config = new BrokerConfig("zealous-ramanujan", List.of(specs)).withUpstreamExtraCa(upstreamCa);
        broker = CredentialBroker.start(config, h -> h.endsWith(".test"), events::add,
                Map.of("HOST_API_SECRET", SECRET));
        proxy = new TestConnectProxy(broker);
        clientTrust = TestPki.clientTrusting(
                UpstreamTls.readCertificates(broker.trustDirectory().resolve("session-ca.pem")).getFirst());
    }

    TestClient client(TestUpstream target, String host) throws IOException {
        return new TestClient(proxy.port(), host, target.port(), clientTrust);
    }

    List<ViolationEvent> violations() {
        return events.stream().filter(ViolationEvent.class::isInstance).map(ViolationEvent.class::cast).toList();
    }

    @Test
    void upstreamSeesRealSecretWhenClientSendsPlaceholder() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS));
        String ph = broker.placeholder("API_TOKEN");
        assertThat(ph).startsWith("palisade-placeholder-").doesNotContain(SECRET);
        try (TestClient c = client(api, "api.test")) {
            TestClient.Response r = c.get("/v1/models", "Authorization: Bearer " + ph);
            assertThat(r.status()).isEqualTo(200);
            assertThat(api.requests.poll(5, TimeUnit.SECONDS).header("authorization")).isEqualTo("Bearer " + SECRET);
        }
        assertThat(violations()).isEmpty();
    }

    @Test
    void echoOfSecretInResponseIsMaskedWithPlaceholder() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS));
        String ph = broker.placeholder("API_TOKEN");
        try (TestClient c = client(api, "api.test")) {
            TestClient.Response r = c.get("/echo", "Authorization: Bearer " + ph, "Accept-Encoding: gzip, br");
            assertThat(api.requests.poll(5, TimeUnit.SECONDS).header("accept-encoding")).isEqualTo("identity");
            assertThat(r.text()).contains("auth=Bearer " + ph).doesNotContain(SECRET);
            assertThat(r.headers().get("x-echo")).isEqualTo("Bearer " + ph);
            // Content-Length was recomputed for the masked body.
            assertThat(Integer.parseInt(r.headers().get("content-length"))).isEqualTo(r.body().length);
        }
    }

    @Test
    void keepAliveConnectionCarriesSeveralRequestsOverOneUpstreamConnection() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS));
        String ph = broker.placeholder("API_TOKEN");
        try (TestClient c = client(api, "api.test")) {
            for (int i = 0; i < 5; i++) {
                assertThat(c.get("/r" + i, "Authorization: Bearer " + ph).status()).isEqualTo(200);
            }
        }
        List<TestUpstream.Request> seen = new ArrayList<>();
        api.requests.drainTo(seen);
        assertThat(seen).hasSize(5).allSatisfy(r -> assertThat(r.header("authorization")).isEqualTo("Bearer " + SECRET));
        assertThat(api.connections.get()).isEqualTo(1);
    }

    @Test
    void placeholderSentToAnotherBoundHostIsNotReplacedAndIsReported() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS), otherCredential());
        String apiPh = broker.placeholder("API_TOKEN");
        try (TestClient c = client(other, "other.test")) {
            TestClient.Response r = c.get("/", "Authorization: Bearer " + apiPh);
            assertThat(r.status()).isEqualTo(200);
        }
        TestUpstream.Request seen = other.requests.poll(5, TimeUnit.SECONDS);
        assertThat(seen.header("authorization")).isEqualTo("Bearer " + apiPh);
        assertThat(violations()).singleElement().satisfies(v -> {
            assertThat(v.layer()).isEqualTo("credentials");
            assertThat(v.sessionId()).isEqualTo("zealous-ramanujan");
            assertThat(v.target()).contains("other.test").contains("API_TOKEN").contains("Authorization");
        });
        assertThat(api.requests).isEmpty();
    }

    @Test
    void placeholderInUrlBodyOrOtherHeaderIsNotReplacedAndIsReported() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS));
        String ph = broker.placeholder("API_TOKEN");
        String body = "{\"token\":\"" + ph + "\"}";
        try (TestClient c = client(api, "api.test")) {
            c.send("POST /upload?t=" + ph + " HTTP/1.1\r\nHost: " + c.authority + "\r\nX-Debug: " + ph
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            assertThat(c.read().status()).isEqualTo(200);
        }
        TestUpstream.Request seen = api.requests.poll(5, TimeUnit.SECONDS);
        assertThat(seen.line()).contains(ph).doesNotContain(SECRET);
        assertThat(seen.header("x-debug")).isEqualTo(ph);
        assertThat(seen.bodyText()).isEqualTo(body);
        assertThat(violations()).extracting(ViolationEvent::target)
                .anySatisfy(t -> assertThat(t).contains("URL"))
                .anySatisfy(t -> assertThat(t).contains("X-Debug"))
                .anySatisfy(t -> assertThat(t).contains("body"));
    }

    @Test
    void placeholderInChunkedBodySplitAcrossChunksIsReported() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS));
        String ph = broker.placeholder("API_TOKEN");
        String a = "xx" + ph.substring(0, 10);
        String b = ph.substring(10) + "yy";
        try (TestClient c = client(api, "api.test")) {
            c.send("POST / HTTP/1.1\r\nHost: " + c.authority + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(a.length()) + "\r\n" + a + "\r\n"
                    + Integer.toHexString(b.length()) + "\r\n" + b + "\r\n0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(api.requests.poll(5, TimeUnit.SECONDS).bodyText()).isEqualTo(a + b);
        assertThat(violations()).extracting(ViolationEvent::target).anySatisfy(t -> assertThat(t).contains("body"));
    }

    @Test
    void headerInAnotherFormIsNotReplaced() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS));
        String ph = broker.placeholder("API_TOKEN");
        try (TestClient c = client(api, "api.test")) {
            assertThat(c.get("/", "Authorization: token " + ph).status()).isEqualTo(200);
        }
        assertThat(api.requests.poll(5, TimeUnit.SECONDS).header("authorization")).isEqualTo("token " + ph);
        assertThat(violations()).hasSize(1);
    }

    @Test
    void queryParameterGetsTheEncodedSecret() throws Exception {
        CredentialSpec q = new CredentialSpec("MAPS_KEY", List.of(new HostPattern("*.test")), Set.of(api.port()),
                new EnvSecret("HOST_API_SECRET"), new QueryInjection("key"), MissingPlaceholder.PASS);
        start(q);
        String ph = broker.placeholder("MAPS_KEY");
        try (TestClient c = client(api, "api.test")) {
            assertThat(c.get("/geo?q=x&key=" + ph + "&z=1").status()).isEqualTo(200);
        }
        assertThat(api.requests.poll(5, TimeUnit.SECONDS).line()).isEqualTo("GET /geo?q=x&key=" + SECRET + "&z=1 HTTP/1.1");
        assertThat(violations()).isEmpty();
    }

    @Test
    void requestWithoutPlaceholderIsRefusedWhenConfigured() throws Exception {
        start(apiCredential(MissingPlaceholder.REFUSE));
        try (TestClient c = client(api, "api.test")) {
            TestClient.Response r = c.get("/", "Authorization: Bearer my-own-token");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.text()).contains("API_TOKEN");
        }
        assertThat(api.requests.poll(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(violations()).singleElement().extracting(ViolationEvent::action).isEqualTo("send-request");
    }

    @Test
    void requestWithoutPlaceholderPassesUnchangedWhenConfigured() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS));
        try (TestClient c = client(api, "api.test")) {
            assertThat(c.get("/", "Authorization: Bearer my-own-token").status()).isEqualTo(200);
        }
        assertThat(api.requests.poll(5, TimeUnit.SECONDS).header("authorization")).isEqualTo("Bearer my-own-token");
        assertThat(violations()).isEmpty();
    }

    @Test
    void hostHeaderNamingAnotherHostIsRefused() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS));
        String ph = broker.placeholder("API_TOKEN");
        try (TestClient c = client(api, "api.test")) {
            c.send("GET / HTTP/1.1\r\nHost: evil.test\r\nAuthorization: Bearer " + ph + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(421);
        }
        assertThat(api.requests.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void sniDifferentFromConnectHostFailsTheHandshake() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS), otherCredential());
        assertThatThrownBy(() -> new TestClient(proxy.port(), "api.test", api.port(), clientTrust, "other.test").close())
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void untrustedUpstreamCertificateGives502AndNoSecretLeaves() throws Exception {
        // No extra CA: the test upstream's certificate chains to nothing the host trusts.
        BrokerConfig config = new BrokerConfig("s1", List.of(apiCredential(MissingPlaceholder.PASS)));
        broker = CredentialBroker.start(config, h -> true, events::add, Map.of("HOST_API_SECRET", SECRET));
        proxy = new TestConnectProxy(broker);
        clientTrust = TestPki.clientTrusting(
                UpstreamTls.readCertificates(broker.trustDirectory().resolve("session-ca.pem")).getFirst());
        try (TestClient c = client(api, "api.test")) {
            TestClient.Response r = c.get("/", "Authorization: Bearer " + broker.placeholder("API_TOKEN"));
            assertThat(r.status()).isEqualTo(502);
        }
        assertThat(api.requests).isEmpty();
    }

    @Test
    void upstreamCertificateForAnotherNameGives502() throws Exception {
        try (TestUpstream wrong = new TestUpstream(pki.serverContext("wrong.test"), CredentialBrokerTest::echoAuth)) {
            CredentialSpec spec = new CredentialSpec("API_TOKEN", List.of(new HostPattern("api.test")),
                    Set.of(wrong.port()), new EnvSecret("HOST_API_SECRET"),
                    HeaderInjection.parse("Authorization: Bearer {}"), MissingPlaceholder.PASS);
            start(spec);
            try (TestClient c = new TestClient(proxy.port(), "api.test", wrong.port(), clientTrust)) {
                assertThat(c.get("/", "Authorization: Bearer " + broker.placeholder("API_TOKEN")).status())
                        .isEqualTo(502);
            }
            assertThat(wrong.requests).isEmpty();
        }
    }

    @Test
    void largeResponseIsStreamedAndMasked() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) 'a');
        byte[] s = SECRET.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, big, 2 * 1024 * 1024 - 5, s.length);
        api.close();
        api = new TestUpstream(pki.serverContext("api.test"), (r, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + big.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(big);
        });
        start(apiCredential(MissingPlaceholder.PASS));
        try (TestClient c = client(api, "api.test")) {
            TestClient.Response r = c.get("/big");
            assertThat(r.headers()).containsEntry("transfer-encoding", "chunked");
            String text = r.text();
            assertThat(text).doesNotContain(SECRET).contains(broker.placeholder("API_TOKEN"));
            assertThat(r.body().length).isEqualTo(big.length - SECRET.length() + broker.placeholder("API_TOKEN").length());
            assertThat(c.get("/again").status()).isEqualTo(200); // still kept alive
        }
    }

    @Test
    void secretSplitAcrossResponseChunksIsMasked() throws Exception {
        api.close();
        api = new TestUpstream(pki.serverContext("api.test"), (r, out) -> {
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String[] parts = {"token is " + SECRET.substring(0, 4), SECRET.substring(4, 9), SECRET.substring(9) + "!"};
            for (String p : parts) {
                out.write((Integer.toHexString(p.length()) + "\r\n" + p + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        start(apiCredential(MissingPlaceholder.PASS));
        try (TestClient c = client(api, "api.test")) {
            assertThat(c.get("/").text()).isEqualTo("token is " + broker.placeholder("API_TOKEN") + "!");
        }
    }

    @Test
    void sseStreamOf1000EventsArrivesIncrementally() throws Exception {
        java.util.concurrent.CountDownLatch firstSeen = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean upstreamDone = new java.util.concurrent.atomic.AtomicBoolean();
        api.close();
        api = new TestUpstream(pki.serverContext("api.test"), (r, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 1000; i++) {
                String ev = "data: {\"token\":" + i + "}\n\n";
                out.write((Integer.toHexString(ev.length()) + "\r\n" + ev + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (i == 0 && !firstSeen.await(10, TimeUnit.SECONDS)) {
                    throw new IOException("client never saw the first event: the broker buffers");
                }
            }
            upstreamDone.set(true);
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        start(apiCredential(MissingPlaceholder.PASS));
        try (TestClient c = client(api, "api.test")) {
            c.send("GET /stream HTTP/1.1\r\nHost: " + c.authority + "\r\nAccept: text/event-stream\r\n\r\n");
            String line;
            while (!(line = TestUpstream.readLine(c.in)).isEmpty()) {
                // response head
            }
            List<String> events = new ArrayList<>();
            StringBuilder pending = new StringBuilder();
            while (events.size() < 1000) {
                int size = Integer.parseInt(TestUpstream.readLine(c.in), 16);
                assertThat(size).isPositive();
                pending.append(new String(c.in.readNBytes(size), StandardCharsets.UTF_8));
                TestUpstream.readLine(c.in);
                int end;
                while ((end = pending.indexOf("\n\n")) >= 0) {
                    events.add(pending.substring(0, end));
                    pending.delete(0, end + 2);
                    if (events.size() == 1) {
                        assertThat(upstreamDone).isFalse();
                        firstSeen.countDown();
                    }
                }
            }
            assertThat(events.getFirst()).isEqualTo("data: {\"token\":0}");
            assertThat(events.getLast()).isEqualTo("data: {\"token\":999}");
            assertThat(TestUpstream.readLine(c.in)).isEqualTo("0");
            line = line + "";
        }
    }

    @Test
    void commandSourceIsRerunOnceOn401AndTheRequestRetried() throws Exception {
        Path counter = tmp.resolve("count");
        Path script = tmp.resolve("token-helper.sh");
        Files.writeString(script, "#!/bin/sh\nn=$(cat " + counter + " 2>/dev/null || echo 0)\nn=$((n+1))\n"
                + "echo $n > " + counter + "\necho oauth-token-$n\n");
        script.toFile().setExecutable(true);
        api.close();
        api = new TestUpstream(pki.serverContext("api.test"), (r, out) -> {
            if ("Bearer oauth-token-2".equals(r.header("authorization"))) {
                TestUpstream.respond(out, 200, "welcome " + r.bodyText());
            } else {
                TestUpstream.respond(out, 401, "expired");
            }
        });
        CredentialSpec spec = new CredentialSpec("OAUTH_TOKEN", List.of(new HostPattern("api.test")),
                Set.of(api.port()), new CommandSecret(List.of(script.toString())),
                HeaderInjection.parse("Authorization: Bearer {}"), MissingPlaceholder.PASS);
        start(spec);
        String ph = broker.placeholder("OAUTH_TOKEN");
        try (TestClient c = client(api, "api.test")) {
            c.send("POST /x HTTP/1.1\r\nHost: " + c.authority + "\r\nAuthorization: Bearer " + ph
                    + "\r\nContent-Length: 5\r\n\r\nhello");
            TestClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("welcome hello");
            // A request that keeps failing is retried only once.
        }
        assertThat(Files.readString(counter).strip()).isEqualTo("2");
        List<TestUpstream.Request> seen = new ArrayList<>();
        api.requests.drainTo(seen);
        assertThat(seen).extracting(r -> r.header("authorization"))
                .containsExactly("Bearer oauth-token-1", "Bearer oauth-token-2");
    }

    @Test
    void persistent401IsPassedBackAfterOneRefresh() throws Exception {
        Path counter = tmp.resolve("count");
        Path script = tmp.resolve("token-helper.sh");
        Files.writeString(script, "#!/bin/sh\nn=$(cat " + counter + " 2>/dev/null || echo 0)\nn=$((n+1))\n"
                + "echo $n > " + counter + "\necho oauth-token-$n\n");
        script.toFile().setExecutable(true);
        api.close();
        api = new TestUpstream(pki.serverContext("api.test"), (r, out) -> TestUpstream.respond(out, 401, "no"));
        start(new CredentialSpec("OAUTH_TOKEN", List.of(new HostPattern("api.test")), Set.of(api.port()),
                new CommandSecret(List.of(script.toString())), HeaderInjection.parse("Authorization: Bearer {}"),
                MissingPlaceholder.PASS));
        try (TestClient c = client(api, "api.test")) {
            assertThat(c.get("/", "Authorization: Bearer " + broker.placeholder("OAUTH_TOKEN")).status()).isEqualTo(401);
        }
        assertThat(Files.readString(counter).strip()).isEqualTo("2");
        assertThat(api.requests).hasSize(2);
    }

    @Test
    void upstreamClosingAnIdleConnectionIsReopenedForTheNextRequest() throws Exception {
        api.close();
        api = new TestUpstream(pki.serverContext("api.test"), (r, out) -> {
            TestUpstream.respond(out, 200, "once");
            out.close(); // closes the connection without announcing it, as idle servers do
        });
        start(apiCredential(MissingPlaceholder.PASS));
        String ph = broker.placeholder("API_TOKEN");
        try (TestClient c = client(api, "api.test")) {
            for (int i = 0; i < 3; i++) {
                Thread.sleep(50); // let the close arrive before the next request
                assertThat(c.get("/" + i, "Authorization: Bearer " + ph).status()).isEqualTo(200);
            }
        }
        assertThat(api.requests).hasSize(3).allSatisfy(r -> assertThat(r.header("authorization"))
                .isEqualTo("Bearer " + SECRET));
        assertThat(api.connections.get()).isEqualTo(3);
    }

    @Test
    void ambiguousRequestFramingIsRefusedBeforeAnythingIsSent() throws Exception {
        start(apiCredential(MissingPlaceholder.PASS));
        String ph = broker.placeholder("API_TOKEN");
        try (TestClient c = client(api, "api.test")) {
            c.send("POST / HTTP/1.1\r\nHost: " + c.authority + "\r\nAuthorization: Bearer " + ph
                    + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(400);
        }
        assertThat(api.requests.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
}
