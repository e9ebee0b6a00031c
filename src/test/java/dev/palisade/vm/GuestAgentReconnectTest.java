package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host that loses its connection and comes back: the real agent as a process accepting host
 * connections one after the other on a Unix socket ({@code --listen}), the way the guest's
 * virtio-serial port sees the host's chardev close and reopen; the commands are real processes.
 * The agent keeps a small replay buffer (64 KiB per channel) so expiry is reachable.
 */
@Timeout(60)
class GuestAgentReconnectTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final List<String> PATH = List.of("PATH=/usr/bin:/bin");
    private static final int REPLAY = 65536;

    @TempDir
    static Path dir;
    static Process agent;
    static Path socket;
    static int httpPort;

    @BeforeAll
    static void startAgent() throws IOException {
        socket = dir.resolve("agent.sock");
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            httpPort = probe.getLocalPort();
        }
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        agent = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), GuestAgent.class.getName(), "--listen", socket.toString(),
                "--proxy-ports", Integer.toString(httpPort), "0",
                "--replay-buffer", Integer.toString(REPLAY)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile()).start();
    }

    @AfterAll
    static void stopAgent() throws Exception {
        agent.destroy();
        agent.waitFor(10, TimeUnit.SECONDS);
    }

    private static AgentConnection connect() throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (true) {
            try {
                AgentConnection c = new AgentConnection(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
                c.awaitHello(T);
                return c;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(e.getMessage() + "; agent log: " + Files.readString(dir.resolve("agent.log")), e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** What {@code slowScript} prints: 30 blocks of 1000 numbers. */
    private static String expectedSlowOutput() {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= 30; i++) {
            for (int n = i * 1000; n <= i * 1000 + 999; n++) {
                b.append(n).append('\n');
            }
        }
        return b.toString();
    }

    @Test
    void outputSurvivesAReconnectWhole() throws Exception {
        GuestProcess first;
        byte[] before;
        long stdoutAt;
        long stderrAt;
        AgentConnection h1 = connect();
        try {
            first = h1.start(List.of("sh", "-c", "for i in $(seq 1 30); do seq $((i*1000)) $((i*1000+999)); "
                    + "echo e$i >&2; sleep 0.05; done"), PATH, "/");
            long deadline = System.nanoTime() + T.toNanos();
            while (first.offset(Frame.OutputChannel.STDOUT) < 20000 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            // Mid-output: the connection goes away; the command does not.
            h1.close();
        }
        before = first.received(Frame.OutputChannel.STDOUT);
        stdoutAt = first.offset(Frame.OutputChannel.STDOUT);
        stderrAt = first.offset(Frame.OutputChannel.STDERR);
        byte[] errBefore = first.received(Frame.OutputChannel.STDERR);
        assertThat(stdoutAt).isBetween(20000L, (long) expectedSlowOutput().length() - 1);
        Thread.sleep(500);

        AgentConnection h2 = connect();
        try {
            GuestProcess again = h2.attach(first.stream(), stdoutAt, stderrAt, T);
            assertThat(again.expiredBytes(Frame.OutputChannel.STDOUT)).isZero();
            assertThat(again.firstOffset(Frame.OutputChannel.STDOUT)).isEqualTo(stdoutAt);
            ExecResult rest = again.await(T);
            assertThat(rest.status()).isZero();
            String whole = new String(before, StandardCharsets.UTF_8) + rest.stdoutText();
            // Exactly the bytes, in order: no gap, no duplicate.
            assertThat(whole).isEqualTo(expectedSlowOutput());
            String errWhole = new String(errBefore, StandardCharsets.UTF_8) + rest.stderrText();
            StringBuilder e = new StringBuilder();
            for (int i = 1; i <= 30; i++) {
                e.append('e').append(i).append('\n');
            }
            assertThat(errWhole).isEqualTo(e.toString());
            // New commands on the new connection do not collide with the attached stream.
            assertThat(h2.start(List.of("echo", "after"), PATH, "/").await(T).stdoutText()).isEqualTo("after\n");
        } finally {
            h2.close();
        }
    }

    @Test
    void bytesNoLongerHeldAreReportedExpiredAndTheRestReplayed() throws Exception {
        String expected;
        int stream;
        AgentConnection h1 = connect();
        try {
            GuestProcess p = h1.start(List.of("seq", "1", "50000"), PATH, "/");
            ExecResult r = p.await(T);
            expected = r.stdoutText();
            stream = p.stream();
            assertThat(r.stdout().length).isGreaterThan(REPLAY * 4);
        } finally {
            h1.close();
        }
        AgentConnection h2 = connect();
        try {
            // A host that lost everything asks for the output from the start.
            GuestProcess again = h2.attach(stream, 0, 0, T);
            long expired = again.expiredBytes(Frame.OutputChannel.STDOUT);
            assertThat(expired).isEqualTo(expected.length() - REPLAY);
            assertThat(again.firstOffset(Frame.OutputChannel.STDOUT)).isEqualTo(expired);
            ExecResult replay = again.await(T);
            assertThat(replay.status()).isZero();
            assertThat(replay.stdoutText()).isEqualTo(expected.substring((int) expired));
        } finally {
            h2.close();
        }
    }

    @Test
    void tunnelsEndWithTheConnectionAndTheCommandFinishesForTheNextHost() throws Exception {
        try (java.net.ServerSocket echo = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (java.net.Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (IOException ignored) {
                    // Test over.
                }
            });
            GuestProcess first;
            AgentConnection h1 = connect();
            try {
                h1.proxies(java.util.Map.of(Frame.ProxyKind.HTTP, echo.getLocalSocketAddress()));
                first = h1.start(List.of("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + httpPort
                        + "; echo hi >&3; head -c 3 <&3; cat <&3; echo closed"), PATH, "/");
                long deadline = System.nanoTime() + T.toNanos();
                while (first.offset(Frame.OutputChannel.STDOUT) < 3 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(first.received(Frame.OutputChannel.STDOUT)).asString(StandardCharsets.UTF_8).isEqualTo("hi\n");
            } finally {
                h1.close();
            }
            // The tunnel's host end is gone: the guest closes its end, the command's cat sees EOF.
            AgentConnection h2 = connect();
            try {
                ExecResult rest = h2.attach(first.stream(), 3, first.offset(Frame.OutputChannel.STDERR), T).await(T);
                assertThat(rest.stdoutText()).isEqualTo("closed\n");
                assertThat(rest.status()).isZero();
            } finally {
                h2.close();
            }
        }
    }

    @Test
    void attachingToAStreamTheGuestNeverRanFails() throws Exception {
        AgentConnection h = connect();
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.attach(999, 0, 0, T))
                    .isInstanceOf(IOException.class).hasMessageContaining("no command on stream 999");
        } finally {
            h.close();
        }
    }
}
