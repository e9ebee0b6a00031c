package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    @BeforeAll
    static void startAgent() throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        agentProcess = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), GuestAgent.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        host = new AgentConnection(agentProcess.getInputStream(), agentProcess.getOutputStream(),
                () -> agentProcess.getOutputStream().close());
    }

    @AfterAll
    static void stopAgent() throws Exception {
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
}
