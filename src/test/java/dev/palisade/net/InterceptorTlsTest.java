package dev.palisade.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Prerequisites;

/**
 * The socket a {@link TunnelInterceptor} receives is good enough to layer server-side TLS on, for
 * clients on the Unix socket and on TCP alike: real curl talks HTTPS through CONNECT to it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InterceptorTlsTest {
    @TempDir
    Path dir;

    @Test
    void interceptorCanTerminateTlsOnTheClientSocket() throws Exception {
        Prerequisites.requireExecutable("curl");
        Path ks = dir.resolve("ks.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-alias", "k",
                "-keyalg", "EC", "-dname", "CN=other.test", "-ext", "SAN=dns:other.test", "-validity", "2")
                .redirectErrorStream(true).start();
        keytool.getInputStream().readAllBytes();
        assertThat(keytool.waitFor()).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);

        TunnelInterceptor broker = new TunnelInterceptor() {
            @Override
            public boolean intercepts(String host, int port) {
                return host.equals("other.test") && port == 443;
            }

            @Override
            public void serve(Socket client, String host, int port, InetAddress approved) throws IOException {
                try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(client, null, true)) {
                    s.setUseClientMode(false);
                    InputStream in = s.getInputStream();
                    StringBuilder head = new StringBuilder();
                    int b;
                    while ((b = in.read()) >= 0) {
                        head.append((char) b);
                        if (head.toString().endsWith("\r\n\r\n")) {
                            break;
                        }
                    }
                    String body = "terminated by the broker for " + host + " via " + approved.getHostAddress();
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
        };
        try (ProxyFixture f = new ProxyFixture(dir, 8, 1 << 20, broker)) {
            int port = f.proxy.httpTcp().orElseThrow().getPort();
            Process curl = new ProcessBuilder("curl", "-sS", "-k", "--max-time", "20", "-x", "http://127.0.0.1:" + port,
                    "https://other.test/secret").redirectErrorStream(true).start();
            assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("terminated by the broker for other.test via 127.0.0.1");
            // The namespace tier's path: curl -> socat (TCP) -> the proxy's Unix socket -> interceptor.
            Prerequisites.requireExecutable("socat");
            int relayPort;
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                relayPort = probe.getLocalPort();
            }
            try (Forwarder relay = Forwarder.start(0, null, "TCP4-LISTEN:" + relayPort + ",bind=127.0.0.1,fork,reuseaddr",
                    "UNIX-CONNECT:" + f.proxy.httpSocket())) {
                Process unix = new ProcessBuilder("curl", "-sS", "-k", "--max-time", "20", "-x", "http://127.0.0.1:" + relayPort,
                        "https://other.test/secret").redirectErrorStream(true).start();
                assertThat(new String(unix.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("terminated by the broker for other.test via 127.0.0.1");
                assertThat(relay.isAlive()).isTrue();
            }
        }
    }
}
