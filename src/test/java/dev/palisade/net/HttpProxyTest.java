package dev.palisade.net;

import static dev.palisade.net.ProxyFixture.readAll;
import static dev.palisade.net.ProxyFixture.readResponse;
import static dev.palisade.net.ProxyFixture.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.palisade.api.ViolationEvent;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpProxyTest {
    @TempDir
    Path dir;

    ProxyFixture f;
    int port;

    @BeforeEach
    void start() throws IOException {
        f = new ProxyFixture(dir, 4, 1 << 20, null);
        port = f.allowed.port();
    }

    @AfterEach
    void stop() throws IOException {
        f.close();
    }

    private String exchange(String request) throws IOException {
        try (SocketChannel ch = f.openHttp()) {
            send(ch, request);
            return readAll(ch);
        }
    }

    @Test
    void connectTunnelReachesTheAllowedHost() throws IOException {
        try (SocketChannel ch = f.openHttp()) {
            send(ch, "CONNECT allowed.test:" + port + " HTTP/1.1\r\nHost: denied.test:" + port + "\r\n\r\n");
            InputStream in = Channels.newInputStream(ch);
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 ");
            send(ch, "GET /through-tunnel HTTP/1.1\r\nHost: allowed.test\r\n\r\n");
            assertThat(readResponse(in)).endsWith("hello from allowed /through-tunnel");
        }
        assertThat(f.denied.connections()).isZero();
        assertThat(f.violations()).isEmpty();
    }

    @Test
    void connectToADeniedNameIsForbiddenWithAnExplanation() throws IOException {
        String resp = exchange("CONNECT denied.test:" + port + " HTTP/1.1\r\nHost: allowed.test\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 403 Forbidden\r\n")
                .contains("X-Palisade-Rule: not in network.allowedDomains")
                .contains("Palisade blocked a connection to denied.test:" + port)
                .contains("add \"denied.test\" to network.allowedDomains");
        assertThat(f.violations()).singleElement().satisfies(v -> {
            assertThat(v.layer()).isEqualTo("network");
            assertThat(v.action()).isEqualTo("connect");
            assertThat(v.target()).isEqualTo("denied.test:" + port);
            assertThat(v.rule()).isEqualTo("not in network.allowedDomains");
        });
        assertThat(f.denied.connections()).isZero();
        assertThat(f.lookups).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.3", "127.3", "0x7f.0.0.3", "2130706435", "0177.0.0.3", "[::ffff:127.0.0.3]",
        "[64:ff9b::7f00:3]", "denied.test.", "DENIED.TEST", "allowed.test.evil.test", "evilallowed.test", "аllowed.test",
        "allowed.test%2e", "allowed.test@denied.test", "denied.test%00", "internal.test", "rebind.test\t"})
    void refusesEveryDisguiseOfADeniedTarget(String host) throws IOException {
        String resp = exchange("CONNECT " + host + ":" + (host.equals("internal.test") ? f.internal.port() : f.denied.port())
                + " HTTP/1.1\r\n\r\n");
        assertThat(resp).matches("(?s)HTTP/1\\.1 (400|403) .*");
        assertThat(f.denied.connections()).isZero();
        assertThat(f.internal.connections()).isZero();
        assertThat(f.violations()).hasSize(1);
    }

    @Test
    void resolvesOnceSoRebindingCannotSwapTheAddress() throws IOException {
        try (SocketChannel ch = f.openHttp()) {
            send(ch, "CONNECT rebind.test:" + port + " HTTP/1.1\r\n\r\n");
            InputStream in = Channels.newInputStream(ch);
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 ");
            send(ch, "GET /rebind HTTP/1.1\r\nHost: rebind.test\r\n\r\n");
            assertThat(readResponse(in)).endsWith("hello from allowed /rebind");
        }
        assertThat(f.rebindLookups).hasValue(1);
        assertThat(f.denied.connections()).isZero();
    }

    @Test
    void plainHttpRequestsAreJudgedOneByOneOnAKeepAliveConnection() throws IOException {
        try (SocketChannel ch = f.openHttp()) {
            InputStream in = Channels.newInputStream(ch);
            send(ch, "GET http://allowed.test:" + port + "/one HTTP/1.1\r\nHost: denied.test\r\n\r\n");
            String first = readResponse(in);
            assertThat(first).startsWith("HTTP/1.1 200 ").endsWith("hello from allowed /one");
            send(ch, "GET http://other.test:" + port + "/two HTTP/1.1\r\n\r\n");
            assertThat(readResponse(in)).endsWith("hello from allowed /two");
            send(ch, "GET http://denied.test:" + f.denied.port() + "/three HTTP/1.1\r\nHost: allowed.test\r\n\r\n");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 403 ");
        }
        assertThat(f.allowed.received()).contains("GET /one HTTP/1.1\r\nHost: allowed.test:" + port + "\r\n")
                .doesNotContain("denied.test");
        // other.test is a different approved host: it got its own upstream connection
        assertThat(f.allowed.connections()).isEqualTo(2);
        assertThat(f.denied.connections()).isZero();
    }

    @Test
    void pipelinedRequestToASecondHostIsJudgedSeparately() throws IOException {
        String resp = exchange("GET http://allowed.test:" + port + "/first HTTP/1.1\r\n\r\n"
                + "GET http://denied.test:" + f.denied.port() + "/second HTTP/1.1\r\nHost: allowed.test\r\n\r\n");
        assertThat(resp).contains("hello from allowed /first").contains("HTTP/1.1 403 ");
        assertThat(f.allowed.requests()).isEqualTo(1);
        assertThat(f.denied.connections()).isZero();
    }

    @Test
    void smuggledRequestInABodyStaysABody() throws IOException {
        String smuggled = "GET http://denied.test:" + f.denied.port() + "/smuggled HTTP/1.1\r\n\r\n";
        String resp = exchange("POST http://allowed.test:" + port + "/post HTTP/1.1\r\nContent-Length: " + smuggled.length()
                + "\r\nConnection: close\r\n\r\n" + smuggled);
        assertThat(resp).contains("hello from allowed /post body=" + smuggled.length());
        assertThat(f.allowed.requests()).isEqualTo(1);
        assertThat(f.denied.connections()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Content-Length: 5\r\nContent-Length: 5\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n",
        "Transfer-Encoding: xchunked\r\n",
        "Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: identity\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding : chunked\r\n",
        "Transfer_Encoding: chunked\r\nContent-Length: 5\r\n",
        "Content_Length: 5\r\n",
        "X: y\r\n Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding:\u000bchunked\r\n",
        "Content-Length: +5\r\n",
        "Content-Length: 5,5\r\n",
        "X: y\nTransfer-Encoding: chunked\r\n",
        "X: y\rTransfer-Encoding: chunked\r\n",
    })
    void refusesAmbiguousFramingWith400(String headers) throws IOException {
        String resp = exchange("POST http://allowed.test:" + port + "/x HTTP/1.1\r\n" + headers + "\r\nhello"
                + "GET http://denied.test:" + f.denied.port() + "/ HTTP/1.1\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 400 ");
        assertThat(f.allowed.connections()).isZero();
        assertThat(f.denied.connections()).isZero();
        assertThat(f.violations()).singleElement().satisfies(v -> assertThat(v.rule()).startsWith("malformed HTTP request"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /origin-form HTTP/1.1", "GET https://allowed.test/ HTTP/1.1", "GET  http://allowed.test/ HTTP/1.1",
        "GET http://allowed.test/ HTTP/2.0", "GET http://allowed.test/ HTTP/1.1 ", "CONNECT allowed.test HTTP/1.1",
        "CONNECT allowed.test:080 HTTP/1.1", "CONNECT allowed.test:0 HTTP/1.1", "CONNECT [::1 HTTP/1.1",
        "GET http://user:pw@allowed.test/ HTTP/1.1", "GET http://allowed.test/#frag HTTP/1.1", "G@T http://allowed.test/ HTTP/1.1",
        "GET http://allowed.test/\u00ff HTTP/1.1", "CONNECT allowed.test:443:443 HTTP/1.1"})
    void refusesMalformedRequestLines(String line) throws IOException {
        String resp = exchange(line + "\r\n\r\n");
        assertThat(resp).matches("(?s)HTTP/1\\.1 (400|403|505) .*");
        assertThat(f.allowed.connections()).isZero();
    }

    @Test
    void redirectsArePassedToTheClientNotFollowed() throws IOException {
        String resp = exchange("GET http://allowed.test:" + port + "/redirect HTTP/1.1\r\nConnection: close\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 302 Found\r\n").contains("Location: http://denied.test/");
        assertThat(f.denied.connections()).isZero();
    }

    @Test
    void relaysChunkedBodiesBothWays() throws IOException {
        try (SocketChannel ch = f.openHttp()) {
            send(ch, "POST http://allowed.test:" + port + "/chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n"
                    + "GET http://allowed.test:" + port + "/after HTTP/1.1\r\nConnection: close\r\n\r\n");
            String all = readAll(ch);
            assertThat(all).contains("Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                    .contains("hello from allowed /chunked body=5").contains("0\r\n\r\n")
                    .contains("hello from allowed /after");
        }
        assertThat(f.allowed.received()).contains("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").doesNotContain("ext=1")
                .doesNotContain("X-Trailer");
    }

    @Test
    void closeDelimitedResponseClosesTheClient() throws IOException {
        try (SocketChannel ch = f.openHttp()) {
            send(ch, "GET http://allowed.test:" + port + "/close HTTP/1.1\r\n\r\n");
            assertThat(readAll(ch)).contains("Connection: close").endsWith("hello from allowed /close");
        }
    }

    @Test
    void stripsProxyAndHopByHopHeaders() throws IOException {
        exchange("GET http://allowed.test:" + port + "/h HTTP/1.1\r\nProxy-Authorization: Basic eA==\r\n"
                + "Connection: close, X-Secret\r\nX-Secret: 1\r\nUpgrade: websocket\r\nX-Keep: 2\r\n\r\n");
        assertThat(f.allowed.received()).contains("X-Keep: 2").doesNotContain("Proxy-Authorization")
                .doesNotContain("X-Secret").doesNotContain("Upgrade");
    }

    @Test
    void capsConcurrentConnections() throws IOException {
        List<SocketChannel> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                SocketChannel ch = f.openHttp();
                open.add(ch);
                send(ch, "CONNECT allowed.test:" + port + " HTTP/1.1\r\n\r\n");
                assertThat(readResponse(Channels.newInputStream(ch))).startsWith("HTTP/1.1 200 ");
            }
            String resp = exchange("CONNECT allowed.test:" + port + " HTTP/1.1\r\n\r\n");
            assertThat(resp).startsWith("HTTP/1.1 503 ").contains("network.maxConnections");
        } finally {
            for (SocketChannel ch : open) {
                ch.close();
            }
        }
        assertThat(f.violations()).last().satisfies(v -> assertThat(v.rule()).contains("network.maxConnections"));
    }

    @Test
    void capsBytesPerSession() throws IOException {
        byte[] big = new byte[(1 << 20) + 1024];
        try (SocketChannel ch = f.openHttp()) {
            send(ch, "CONNECT allowed.test:" + port + " HTTP/1.1\r\n\r\n");
            assertThat(readResponse(Channels.newInputStream(ch))).startsWith("HTTP/1.1 200 ");
            try {
                send(ch, "POST /big HTTP/1.1\r\nContent-Length: " + big.length + "\r\n\r\n");
                send(ch, big);
            } catch (IOException expected) {
                // the proxy closes the tunnel when the cap is reached
            }
            readAll(ch);
        } catch (IOException expected) {
            // reset by the proxy
        }
        assertThat(f.allowed.received().length()).isLessThan(big.length);
        assertThat(f.violations()).anySatisfy(v -> assertThat(v.rule()).contains("network.maxBytes"));
    }

    @Test
    void tcpListenerServesRealCurl() throws Exception {
        dev.palisade.testing.Prerequisites.requireExecutable("curl");
        int proxyPort = f.proxy.httpTcp().orElseThrow().getPort();
        Process ok = new ProcessBuilder("curl", "-sS", "--max-time", "10", "-x", "http://127.0.0.1:" + proxyPort,
                "http://allowed.test:" + port + "/curl").redirectErrorStream(true).start();
        assertThat(new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello from allowed /curl");
        Process tunnel = new ProcessBuilder("curl", "-sS", "--max-time", "10", "-p", "-x", "http://127.0.0.1:" + proxyPort,
                "http://allowed.test:" + port + "/curl-tunnel").redirectErrorStream(true).start();
        assertThat(new String(tunnel.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("hello from allowed /curl-tunnel");
        Process no = new ProcessBuilder("curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
                "-x", "http://127.0.0.1:" + proxyPort, "http://denied.test:" + f.denied.port() + "/").redirectErrorStream(true).start();
        assertThat(new String(no.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("403");
        assertThat(f.denied.connections()).isZero();
    }

    @Test
    void interceptorTakesOverClaimedTunnelsWithTheCheckedAddress() throws IOException {
        f.close();
        List<String> served = new ArrayList<>();
        TunnelInterceptor broker = new TunnelInterceptor() {
            @Override
            public boolean intercepts(String host, int p) {
                return host.equals("other.test");
            }

            @Override
            public void serve(Socket client, String host, int p, InetAddress approved) throws IOException {
                served.add(host + ":" + p + "@" + approved.getHostAddress());
                byte[] early = client.getInputStream().readNBytes(5);
                client.getOutputStream().write(("broker saw " + new String(early, StandardCharsets.US_ASCII)).getBytes(
                        StandardCharsets.US_ASCII));
                client.close();
            }
        };
        f = new ProxyFixture(dir.resolve("b"), 4, 1 << 20, broker);
        try (SocketChannel ch = f.openHttp()) {
            // the client sends its first bytes without waiting for the 200: they must reach the broker
            send(ch, "CONNECT other.test:443 HTTP/1.1\r\n\r\nhello");
            assertThat(readAll(ch)).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\nbroker saw hello");
        }
        assertThat(served).containsExactly("other.test:443@127.0.0.1");
        try (SocketChannel ch = f.openHttp()) {
            send(ch, "CONNECT allowed.test:" + f.allowed.port() + " HTTP/1.1\r\n\r\n");
            assertThat(readResponse(Channels.newInputStream(ch))).startsWith("HTTP/1.1 200 ");
        }
        assertThat(served).hasSize(1);
    }

    @Test
    void violationEventsCarryTheSession() throws IOException {
        exchange("CONNECT denied.test:443 HTTP/1.1\r\n\r\n");
        ViolationEvent v = f.violations().getFirst();
        assertThat(v.sessionId()).isEqualTo("fixture-session");
        assertThat(v.type()).isEqualTo("violation");
    }
}
