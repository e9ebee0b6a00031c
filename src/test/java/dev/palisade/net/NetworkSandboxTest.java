package dev.palisade.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.EventSink;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.RunRequest;
import dev.palisade.sandbox.Sandbox;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Tier;
import dev.palisade.testing.Prerequisites;
import dev.palisade.testing.SandboxPrerequisites;

/**
 * The network layer from inside a real bwrap sandbox: real curl and python reach allowed names
 * through both proxies, and every way around them fails while the denied upstream receives nothing.
 */
@Tag("sandbox")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NetworkSandboxTest {
    @TempDir
    Path tmp;

    Path work;
    Path runtime;
    ProxyFixture f;

    @BeforeEach
    void setUp() throws IOException {
        SandboxPrerequisites.requireBwrap();
        for (String tool : List.of("socat", "nsenter")) {
            Prerequisites.requireExecutable(tool);
        }
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/curl")), "/usr/bin/curl (visible inside the sandbox)");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3 (visible inside the sandbox)");
        // The sandbox's user must be able to enter and write the shared folder.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
        work = Files.createDirectory(tmp.resolve("work"));
        runtime = Files.createDirectory(tmp.resolve("rt"));
        f = new ProxyFixture(tmp, 64, 1L << 30, null, false);
    }

    @AfterEach
    void tearDown() throws IOException {
        f.close();
    }

    private NetworkBridge bridge(EgressRules rules, List<PortPublish> publish) {
        return new NetworkBridge("net-sandbox-test", rules, f.resolver, f.events::add, null, runtime, publish);
    }

    private Outcome run(List<SandboxExtension> ext, String... argv) throws Exception {
        RunRequest req = new RunRequest("net-sandbox-test", Tier.NAMESPACE,
                List.of(new Mount(work, "work", Access.RW)), FilesystemPolicy.DEFAULT, List.of(argv), Map.of(), ext,
                Path.of(System.getProperty("user.home")), EventSink.NONE);
        return Sandbox.run(req, false);
    }

    private String out(String name) throws IOException {
        return Files.readString(work.resolve("out." + name)).strip();
    }

    private int rc(String name) throws IOException {
        return Integer.parseInt(Files.readString(work.resolve("rc." + name)).strip());
    }

    private static final String SCRIPT = """
            A=$1; D=$2; U=$3; S=$4
            c() { n=$1; shift; "$@" > out.$n 2> err.$n; echo $? > rc.$n; }
            code() { n=$1; shift; c $n curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
            c http curl -sS --max-time 10 http://allowed.test:$A/sandbox-http
            c tunnel curl -sS --max-time 10 -p http://allowed.test:$A/sandbox-tunnel
            c socks curl -sS --max-time 10 --proxy socks5h://127.0.0.1:1080 http://allowed.test:$A/sandbox-socks
            c env env
            code denied http://denied.test:$D/
            c deniedsocks curl -sS --max-time 10 --proxy socks5h://127.0.0.1:1080 http://denied.test:$D/
            code iplit http://127.0.0.3:$D/
            code iplittunnel -p http://127.0.0.3:$D/
            code hexlit -p http://0x7f.0.0.3:$D/
            code mapped -g -p 'http://[::ffff:127.0.0.3]:'$D/
            code suffix http://allowed.test.evil.test:$D/
            code evilallowed http://evilallowed.test:$D/
            code homoglyph http://аllowed.test:$A/
            code trailing http://DENIED.Test.:$D/
            code internal http://internal.test:$D/
            c direct curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:$A/
            c directext curl -sS --noproxy '*' --max-time 5 http://10.0.0.1/
            c directv6 curl -sS --noproxy '*' --max-time 5 -g 'http://[::1]:'$A/
            c dns getent hosts allowed.test
            c proxysock test -e "$S"
            c py python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://allowed.test:%s/py" % sys.argv[1]).read().decode())' $A
            c pydenied python3 -c '
            import sys, urllib.request, urllib.error
            try:
                urllib.request.urlopen("http://denied.test:%s/" % sys.argv[1])
                print("reached")
            except urllib.error.HTTPError as e:
                print(e.code)
            ' $D
            c pipeline python3 -c '
            import socket, sys
            a, d = sys.argv[1], sys.argv[2]
            s = socket.create_connection(("127.0.0.1", 3128))
            s.sendall(("GET http://allowed.test:%s/first HTTP/1.1\\r\\n\\r\\nGET http://denied.test:%s/second HTTP/1.1\\r\\nHost: allowed.test\\r\\n\\r\\n" % (a, d)).encode())
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
            print(data.decode().replace("\\r", ""))
            ' $A $D
            c smuggle python3 -c '
            import socket, sys
            a, d = sys.argv[1], sys.argv[2]
            s = socket.create_connection(("127.0.0.1", 3128))
            s.sendall(("POST http://allowed.test:%s/x HTTP/1.1\\r\\nContent-Length: 4\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\nGET http://denied.test:%s/ HTTP/1.1\\r\\n\\r\\n" % (a, d)).encode())
            print(s.recv(65536).decode().split("\\r\\n")[0])
            ' $A $D
            c udp python3 -c '
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(b"leak", ("127.0.0.1", int(sys.argv[1])))
            try:
                s.sendto(b"leak", ("10.0.0.1", int(sys.argv[1])))
                print("sent-external")
            except OSError as e:
                print("external-refused", e.errno)
            ' $U
            """;

    @Test
    void toolsInsideReachAllowedNamesOnlyThroughTheProxies() throws Exception {
        Files.writeString(work.resolve("t.sh"), SCRIPT);
        NetworkBridge bridge = bridge(f.rules, List.of());
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            Outcome o = run(List.of(bridge), "/bin/sh", "t.sh", Integer.toString(f.allowed.port()),
                    Integer.toString(f.denied.port()), Integer.toString(udp.getLocalPort()),
                    runtime.resolve("net").resolve("http.sock").toString());
            assertThat(o.status()).as("script status").isZero();

            assertThat(out("http")).isEqualTo("hello from allowed /sandbox-http");
            assertThat(out("tunnel")).isEqualTo("hello from allowed /sandbox-tunnel");
            assertThat(out("socks")).isEqualTo("hello from allowed /sandbox-socks");
            assertThat(out("py")).isEqualTo("hello from allowed /py");
            assertThat(out("env")).contains("HTTPS_PROXY=http://127.0.0.1:3128", "ALL_PROXY=socks5h://127.0.0.1:1080",
                    "NO_PROXY=localhost,127.0.0.1", "JAVA_TOOL_OPTIONS=-Dhttp.proxyHost=127.0.0.1");

            for (String name : List.of("denied", "iplit", "suffix", "evilallowed", "homoglyph", "trailing", "internal")) {
                assertThat(out(name)).as(name).isEqualTo("403");
            }
            for (String name : List.of("iplittunnel", "hexlit", "mapped")) {
                assertThat(rc(name)).as(name + " (curl fails on a refused CONNECT)").isNotZero();
                assertThat(out(name)).as(name).isIn("403", "000");
            }
            assertThat(rc("deniedsocks")).isNotZero();
            assertThat(out("pydenied")).isEqualTo("403");
            assertThat(out("pipeline")).contains("hello from allowed /first").contains("HTTP/1.1 403 Forbidden");
            assertThat(out("smuggle")).isEqualTo("HTTP/1.1 400 Bad Request");

            assertThat(rc("direct")).as("direct TCP to loopback").isNotZero();
            assertThat(rc("directext")).as("direct TCP outside").isNotZero();
            assertThat(rc("directv6")).as("direct IPv6").isNotZero();
            assertThat(rc("dns")).as("DNS inside").isNotZero();
            assertThat(rc("proxysock")).as("the proxy's socket is invisible inside").isNotZero();
            assertThat(out("udp")).startsWith("external-refused");

            udp.setSoTimeout(500);
            DatagramPacket p = new DatagramPacket(new byte[16], 16);
            try {
                udp.receive(p);
                throw new AssertionError("a UDP datagram from the sandbox reached the host");
            } catch (SocketTimeoutException expected) {
                // nothing arrived
            }
        } finally {
            bridge.close();
        }
        assertThat(f.denied.connections()).as("the denied upstream received nothing").isZero();
        assertThat(f.internal.connections()).isZero();
        assertThat(f.violations()).hasSizeGreaterThanOrEqualTo(12)
                .allSatisfy(v -> assertThat(v.layer()).isEqualTo("network"));
        assertThat(f.violations()).extracting(v -> v.target()).contains("denied.test:" + f.denied.port(),
                "127.0.0.3:" + f.denied.port());
        assertThat(Files.exists(runtime.resolve("net"))).as("sockets removed on close").isFalse();
    }

    private static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError("git " + String.join(" ", args) + ": " + out);
        }
    }

    @Test
    void gitClonesOverHttpThroughBothProxies() throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/git")), "/usr/bin/git (visible inside the sandbox)");
        Path src = Files.createDirectory(tmp.resolve("src"));
        Files.writeString(src.resolve("README"), "cloned through the proxy\n");
        git(src, "init", "-q");
        git(src, "add", "README");
        git(src, "commit", "-q", "-m", "first");
        Path served = Files.createDirectory(tmp.resolve("served"));
        git(tmp, "clone", "-q", "--bare", src.toString(), served.resolve("repo.git").toString());
        git(served.resolve("repo.git"), "update-server-info"); // the "dumb" HTTP protocol: plain files
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
        http.createContext("/", ex -> {
            hits.incrementAndGet();
            Path file = served.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(served) || !Files.isRegularFile(file)) {
                ex.sendResponseHeaders(404, -1);
            } else {
                byte[] b = Files.readAllBytes(file);
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        http.start();
        int port = http.getAddress().getPort();
        NetworkBridge bridge = bridge(f.rules, List.of());
        try {
            Outcome o = run(List.of(bridge), "/bin/sh", "-c",
                    "git clone -q http://allowed.test:" + port + "/repo.git viahttp > out.githttp 2>&1; echo $? > rc.githttp;"
                            + " git -c http.proxy=socks5h://127.0.0.1:1080 clone -q http://allowed.test:" + port
                            + "/repo.git viasocks > out.gitsocks 2>&1; echo $? > rc.gitsocks;"
                            + " git clone -q http://denied.test:" + port + "/repo.git denied > out.gitdenied 2>&1;"
                            + " echo $? > rc.gitdenied");
            assertThat(o.status()).isZero();
        } finally {
            bridge.close();
            http.stop(0);
        }
        assertThat(rc("githttp")).as(Files.readString(work.resolve("out.githttp"))).isZero();
        assertThat(rc("gitsocks")).as(Files.readString(work.resolve("out.gitsocks"))).isZero();
        assertThat(Files.readString(work.resolve("viahttp/README"))).isEqualTo("cloned through the proxy\n");
        assertThat(Files.readString(work.resolve("viasocks/README"))).isEqualTo("cloned through the proxy\n");
        assertThat(rc("gitdenied")).isNotZero();
        assertThat(out("gitdenied")).contains("403");
        assertThat(f.violations()).anySatisfy(v -> assertThat(v.target()).isEqualTo("denied.test:" + port));
        assertThat(hits.get()).isPositive();
    }

    @Test
    void publishedPortReachesAServerInsideFromTheHostOnly() throws Exception {
        int hostPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            hostPort = probe.getLocalPort();
        }
        Files.writeString(work.resolve("serve.py"), """
                import http.server, os, threading
                class H(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        body = b"served from inside the sandbox"
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *a):
                        pass
                s = http.server.HTTPServer(("127.0.0.1", 8000), H)
                threading.Thread(target=s.serve_forever, daemon=True).start()
                import time
                for _ in range(600):
                    if os.path.exists("done"):
                        break
                    time.sleep(0.05)
                """);
        NetworkBridge bridge = bridge(f.rules, List.of(PortPublish.parse(hostPort + ":8000")));
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                run(List.of(bridge), "/usr/bin/python3", "serve.py");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try {
            String got = null;
            for (int i = 0; i < 200 && got == null; i++) {
                try (Socket s = new Socket("127.0.0.1", hostPort)) {
                    s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    if (resp.contains("served from inside")) {
                        got = resp;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            assertThat(got).as("published port answered").isNotNull().startsWith("HTTP/1.0 200");
        } finally {
            Files.writeString(work.resolve("done"), "");
            t.join(20_000);
            bridge.close();
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", hostPort), 1000);
            throw new AssertionError("the published port is still open after close");
        } catch (IOException expected) {
            // closed with the session
        }
    }

    @Test
    void onlyAllowlistedUnixSocketsAreReachable() throws Exception {
        Path sockDir = Files.createDirectory(tmp.resolve("agent"));
        Path allowedSock = sockDir.resolve("agent.sock");
        Path otherSock = sockDir.resolve("other.sock");
        List<ServerSocketChannel> servers = new ArrayList<>();
        for (Path p : List.of(allowedSock, otherSock)) {
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(UnixDomainSocketAddress.of(p));
            servers.add(ch);
            String greeting = "greetings from " + p.getFileName();
            Thread.ofVirtual().start(() -> {
                while (ch.isOpen()) {
                    try (SocketChannel c = ch.accept()) {
                        c.write(ByteBuffer.wrap(greeting.getBytes(StandardCharsets.US_ASCII)));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }
        Files.setPosixFilePermissions(allowedSock, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(otherSock, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(work.resolve("u.py"), """
                import socket, sys
                for path in sys.argv[1:]:
                    try:
                        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                        s.connect(path)
                        print(path.rsplit("/", 1)[1], s.recv(100).decode())
                    except OSError as e:
                        print(path.rsplit("/", 1)[1], "refused", e.errno)
                """);
        EgressRules rules = new EgressRules(f.rules.allowedDomains(), List.of(), f.rules.allowPrivateAddresses(),
                List.of(allowedSock.toString()), 8, 1 << 20);
        NetworkBridge bridge = bridge(rules, List.of());
        try {
            Files.deleteIfExists(work.resolve("out.u"));
            Outcome o = run(List.of(bridge), "/bin/sh", "-c", "python3 u.py \"$@\" > out.u 2>&1", "sh", allowedSock.toString(),
                    otherSock.toString());
            assertThat(o.status()).isZero();
        } finally {
            bridge.close();
            for (ServerSocketChannel ch : servers) {
                ch.close();
            }
        }
        assertThat(Files.readString(work.resolve("out.u"))).contains("agent.sock greetings from agent.sock")
                .contains("other.sock refused 2");
    }

    @Test
    void directTierPointsToolsAtLoopbackListeners() throws Exception {
        NetworkBridge bridge = bridge(f.rules, List.of());
        try {
            RunRequest req = new RunRequest("net-sandbox-test", Tier.DIRECT, List.of(new Mount(work, "work", Access.RW)),
                    FilesystemPolicy.DEFAULT, List.of("/bin/sh", "-c",
                            "curl -sS --max-time 10 http://allowed.test:" + f.allowed.port() + "/direct > out.direct;"
                                    + " curl -sS --max-time 10 -o /dev/null -w '%{http_code}' http://denied.test:" + f.denied.port()
                                    + "/ > out.directdenied"),
                    Map.of(), List.of(bridge), Path.of(System.getProperty("user.home")), EventSink.NONE);
            assertThat(Sandbox.run(req, false).status()).isZero();
        } finally {
            bridge.close();
        }
        assertThat(out("direct")).isEqualTo("hello from allowed /direct");
        assertThat(out("directdenied")).isEqualTo("403");
        assertThat(f.denied.connections()).isZero();
    }

}
