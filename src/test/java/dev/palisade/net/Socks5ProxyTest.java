package dev.palisade.net;

import static dev.palisade.net.ProxyFixture.readAll;
import static dev.palisade.net.ProxyFixture.readResponse;
import static dev.palisade.net.ProxyFixture.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.palisade.testing.Prerequisites;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Socks5ProxyTest {
    @TempDir
    Path dir;

    ProxyFixture f;

    @BeforeEach
    void start() throws IOException {
        f = new ProxyFixture(dir, 4, 1 << 20, null);
    }

    @AfterEach
    void stop() throws IOException {
        f.close();
    }

    static byte[] domainRequest(int cmd, String host, int port) {
        byte[] name = host.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {5, 1, 0, 5, (byte) cmd, 0, 3, (byte) name.length});
        b.writeBytes(name);
        b.writeBytes(new byte[] {(byte) (port >> 8), (byte) port});
        return b.toByteArray();
    }

    private byte[] reply(SocketChannel ch) throws IOException {
        InputStream in = Channels.newInputStream(ch);
        byte[] method = in.readNBytes(2);
        assertThat(method).containsExactly(5, 0);
        return in.readNBytes(10);
    }

    @Test
    void connectsByDomainAndCarriesTraffic() throws IOException {
        try (SocketChannel ch = f.openSocks()) {
            send(ch, domainRequest(1, "Allowed.Test.", f.allowed.port()));
            assertThat(reply(ch)).containsExactly(5, 0, 0, 1, 0, 0, 0, 0, 0, 0);
            send(ch, "GET /socks HTTP/1.1\r\nHost: allowed.test\r\n\r\n");
            assertThat(readResponse(Channels.newInputStream(ch))).endsWith("hello from allowed /socks");
        }
        assertThat(f.violations()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"denied.test", "allowed.test.evil.test", "evilallowed.test", "127.0.0.3", "0x7f.0.0.3", "2130706435",
        "[::ffff:127.0.0.3]", "::ffff:127.0.0.3", "аllowed.test", "allowed.test\u0000", "allowed.test..", "internal.test",
        "allowed.test:80", "user@allowed.test"})
    void refusesDeniedAndDisguisedDomainsWithNotAllowed(String host) throws IOException {
        int port = host.equals("internal.test") ? f.internal.port() : f.denied.port();
        try (SocketChannel ch = f.openSocks()) {
            send(ch, domainRequest(1, host, port));
            assertThat(reply(ch)[1]).isEqualTo((byte) 0x02);
            assertThat(readAll(ch)).isEmpty();
        }
        assertThat(f.denied.connections()).isZero();
        assertThat(f.internal.connections()).isZero();
        assertThat(f.violations()).singleElement().satisfies(v -> assertThat(v.layer()).isEqualTo("network"));
    }

    @Test
    void refusesIpv4AndIpv6AddressTypes() throws IOException {
        int port = f.denied.port();
        try (SocketChannel ch = f.openSocks()) {
            send(ch, new byte[] {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 3, (byte) (port >> 8), (byte) port});
            assertThat(reply(ch)[1]).isEqualTo((byte) 0x02);
        }
        try (SocketChannel ch = f.openSocks()) {
            byte[] req = new byte[] {5, 1, 0, 5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, (byte) (port >> 8),
                (byte) port};
            send(ch, req);
            assertThat(reply(ch)[1]).isEqualTo((byte) 0x02);
        }
        assertThat(f.violations()).extracting(v -> v.target()).containsExactly("127.0.0.3:" + port, "[::1]:" + port);
        assertThat(f.denied.connections()).isZero();
    }

    @Test
    void refusesBindAndUdpAssociateWithCommandNotSupported() throws IOException {
        for (int cmd : new int[] {2, 3, 9}) {
            try (SocketChannel ch = f.openSocks()) {
                send(ch, domainRequest(cmd, "allowed.test", f.allowed.port()));
                assertThat(reply(ch)[1]).isEqualTo((byte) 0x07);
            }
        }
        assertThat(f.allowed.connections()).isZero();
        assertThat(f.violations()).hasSize(3);
    }

    @Test
    void refusesUnknownAddressType() throws IOException {
        try (SocketChannel ch = f.openSocks()) {
            send(ch, new byte[] {5, 1, 0, 5, 1, 0, 9, 1, 2});
            assertThat(reply(ch)[1]).isEqualTo((byte) 0x08);
        }
    }

    @Test
    void refusesSocks4() throws IOException {
        int port = f.allowed.port();
        try (SocketChannel ch = f.openSocks()) {
            send(ch, new byte[] {4, 1, (byte) (port >> 8), (byte) port, 127, 0, 0, 1, 0});
            byte[] r = Channels.newInputStream(ch).readAllBytes();
            assertThat(r).hasSize(8);
            assertThat(r[1]).isEqualTo((byte) 0x5B);
        }
        assertThat(f.allowed.connections()).isZero();
        assertThat(f.violations()).singleElement().satisfies(v -> assertThat(v.rule()).contains("SOCKS4"));
    }

    @Test
    void refusesClientsThatRequireAuthentication() throws IOException {
        try (SocketChannel ch = f.openSocks()) {
            send(ch, new byte[] {5, 1, 2});
            assertThat(Channels.newInputStream(ch).readAllBytes()).containsExactly(5, 0xFF);
        }
    }

    @Test
    void unresolvableNameIsHostUnreachable() throws IOException {
        EgressRules rules = EgressRules.allowing(java.util.List.of("nowhere.test"));
        try (ProxyServer p = ProxyServer.start("s", rules, n -> {
            throw new java.net.UnknownHostException(n);
        }, e -> { }, null, dir.resolve("p2"), false); SocketChannel ch = SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(p.socksSocket()))) {
            send(ch, domainRequest(1, "nowhere.test", 443));
            assertThat(reply(ch)[1]).isEqualTo((byte) 0x04);
        }
    }

    @Test
    void realCurlThroughSocks5h() throws Exception {
        Prerequisites.requireExecutable("curl");
        int proxyPort = f.proxy.socksTcp().orElseThrow().getPort();
        Process ok = new ProcessBuilder("curl", "-sS", "--max-time", "10", "--proxy", "socks5h://127.0.0.1:" + proxyPort,
                "http://allowed.test:" + f.allowed.port() + "/curl-socks").redirectErrorStream(true).start();
        assertThat(new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello from allowed /curl-socks");
        Process no = new ProcessBuilder("curl", "-sS", "--max-time", "10", "--proxy", "socks5h://127.0.0.1:" + proxyPort,
                "http://denied.test:" + f.denied.port() + "/").redirectErrorStream(true).start();
        String out = new String(no.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(no.waitFor()).isNotZero();
        assertThat(out).contains("SOCKS5").contains("(2)"); // curl names the reply code
        assertThat(f.denied.connections()).isZero();
    }

    @Test
    void socketDirectoryIsPrivateToTheSessionOwner() throws IOException {
        assertThat(java.nio.file.Files.getPosixFilePermissions(f.proxy.socksSocket().getParent()))
                .containsExactlyInAnyOrderElementsOf(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(java.nio.file.Files.getPosixFilePermissions(f.proxy.socksSocket()))
                .containsExactlyInAnyOrderElementsOf(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
}
