package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java guest agent as a real process on the host, its standard input and output being the
 * channel (as the virtio-serial port is in the guest), driven by the host's AgentConnection. The
 * commands it runs are real host processes.
 */
@Timeout(60)
class GuestAgentTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final List<String> PATH = List.of("PATH=/usr/bin:/bin");
    static Process agentProcess;
    static AgentConnection host;
    static int httpPort;
    static int socksPort;
    static java.net.ServerSocket echo;

    @BeforeAll
    static void startAgent() throws IOException {
        httpPort = freePort();
        socksPort = freePort();
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        agentProcess = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), GuestAgent.class.getName(), "--proxy-ports",
                Integer.toString(httpPort), Integer.toString(socksPort))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        host = new AgentConnection(agentProcess.getInputStream(), agentProcess.getOutputStream(),
                () -> agentProcess.getOutputStream().close());
        // Stands in for the host's HTTP proxy: echoes what it receives.
        echo = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (true) {
                try {
                    java.net.Socket s = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException ignored) {
                            // Client went away.
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        host.proxies(java.util.Map.of(Frame.ProxyKind.HTTP, echo.getLocalSocketAddress()));
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @AfterAll
    static void stopAgent() throws Exception {
        echo.close();
        host.close();
        // EOF on its input ends the agent.
        assertThat(agentProcess.waitFor(10, TimeUnit.SECONDS)).as("agent exits on channel EOF").isTrue();
    }

    @Test
    void saysHelloWithTheKernelRelease() throws Exception {
        Frame.Hello h = host.awaitHello(T);
        assertThat(h.version()).isEqualTo(Frame.PROTOCOL_VERSION);
        assertThat(h.agent()).startsWith("palisade-agent/").endsWith(
                java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/osrelease")).strip());
    }

    @Test
    void runsCommandsWithEnvCwdAndExitCodes() throws Exception {
        ExecResult r = host.start(List.of("sh", "-c", "echo \"$X\"; pwd; echo e >&2; exit 7"),
                List.of("PATH=/usr/bin:/bin", "X=y z"), "/tmp").await(T);
        assertThat(r.status()).isEqualTo(7);
        assertThat(r.stdoutText()).isEqualTo("y z\n/tmp\n");
        assertThat(r.stderrText()).isEqualTo("e\n");
    }

    @Test
    void missingCommandIs127WithAMessage() throws Exception {
        ExecResult r = host.start(List.of("/no/such/program"), PATH, "/").await(T);
        assertThat(r.status()).isEqualTo(127);
        assertThat(r.stderrText()).contains("/no/such/program");
        assertThat(host.start(List.of("no-such-program-on-path"), PATH, "/").await(T).status()).isEqualTo(127);
        // Exists but is not executable: 126.
        java.nio.file.Path plain = java.nio.file.Files.createTempFile("not-executable", ".txt");
        try {
            assertThat(host.start(List.of(plain.toString()), PATH, "/").await(T).status()).isEqualTo(126);
        } finally {
            java.nio.file.Files.delete(plain);
        }
    }

    @Test
    void stdinIsDeliveredAndClosed() throws Exception {
        GuestProcess p = host.start(List.of("sh", "-c", "wc -c; cat >/dev/null"), PATH, "/");
        byte[] data = new byte[100_000];
        java.util.Arrays.fill(data, (byte) 'x');
        p.write(data);
        p.closeInput();
        ExecResult r = p.await(T);
        assertThat(r.stdoutText().strip()).isEqualTo("100000");
    }

    @Test
    void signalsReachTheCommandAndHeartbeatsFlowMeanwhile() throws Exception {
        GuestProcess p = host.start(List.of("sleep", "30"), PATH, "/");
        assertThat(host.heartbeat(Duration.ofSeconds(5))).isPositive();
        p.signal(9);
        ExecResult r = p.await(T);
        assertThat(r.signal()).isEqualTo(9);
        assertThat(r.status()).isEqualTo(137);
    }

    @Test
    void largeOutputStreamsWholeInOrder() throws Exception {
        ExecResult r = host.start(List.of("sh", "-c", "seq 1 400000"), PATH, "/").await(T);
        assertThat(r.status()).isZero();
        String out = r.stdoutText();
        assertThat(out).startsWith("1\n2\n3\n").endsWith("\n399999\n400000\n");
        assertThat(out.lines().count()).isEqualTo(400000);
        assertThat(out.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(GuestCommand.CHUNK * 50);
    }

    @Test
    void connectionsToTheLocalProxyPortAreTunnelledToTheHostProxy() throws Exception {
        ExecResult r = host.start(List.of("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + httpPort
                + "; echo hello tunnel >&3; head -c 13 <&3"), PATH, "/").await(T);
        assertThat(r.stdoutText()).as(r.stderrText()).isEqualTo("hello tunnel\n");
        assertThat(r.status()).isZero();
    }

    @Test
    void aTunnelToAProxyTheHostDoesNotHaveIsClosed() throws Exception {
        ExecResult r = host.start(List.of("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + socksPort
                + "; echo x >&3; cat <&3; echo closed"), PATH, "/").await(T);
        assertThat(r.stdoutText()).isEqualTo("closed\n");
    }

    @Test
    void aHalfClosingClientStillGetsTheAnswer() throws Exception {
        // busybox nc sends stdin, shuts down its sending side at EOF, then prints what it reads:
        // the answer must still arrive through the tunnel.
        Path busybox = Path.of("/bin/busybox");
        dev.palisade.testing.Prerequisites.require(java.nio.file.Files.isExecutable(busybox), "/bin/busybox");
        ExecResult r = host.start(List.of("sh", "-c", "echo half close | " + busybox + " nc 127.0.0.1 " + httpPort),
                PATH, "/").await(T);
        assertThat(r.stdoutText()).as(r.stderrText()).isEqualTo("half close\n");
    }
}
