package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.palisade.seccomp.SeccompFilter;
import dev.palisade.testing.Prerequisites;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest agent's sandbox driven on the host (real bwrap, the default seccomp programs), to
 * exercise its process handling quickly: the guest's own tests need a TCG boot.
 */
@Tag("sandbox")
@Timeout(120)
class GuestSandboxHostTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final List<String> PATH = List.of("PATH=/usr/bin:/bin");

    @TempDir
    Path dir;

    @Test
    void signalsRacingTheSandboxSetUpEndTheCommandAndNotTheAgent() throws Exception {
        Prerequisites.requireExecutable("bwrap");
        Path programs = Files.createDirectories(dir.resolve("seccomp"));
        List<byte[]> p = SeccompFilter.defaultPrograms();
        for (int i = 0; i < p.size(); i++) {
            Files.write(programs.resolve(i + ".bpf"), p.get(i));
        }
        GuestSandbox sandbox = GuestSandbox.load(Path.of("/usr/bin/bwrap"), GuestSandbox.SETPRIV, programs);
        SocketChannel a;
        SocketChannel b;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("s")));
            a = SocketChannel.open(server.getLocalAddress());
            b = server.accept();
        }
        GuestAgent agent = new GuestAgent(ChannelStreams.in(b), ChannelStreams.out(b), false, Map.of(), sandbox,
                GuestAgent.DEFAULT_REPLAY_BUFFER);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                agent.run();
            } catch (IOException e) {
                // Channel closed at the end.
            }
        });
        try (AgentConnection host = new AgentConnection(a)) {
            host.awaitHello(T);
            ExecResult status = host.start(List.of("grep", "^Seccomp:", "/proc/self/status"), PATH, "/").await(T);
            assertThat(status.stdoutText()).as(status.stderrText()).isEqualTo("Seccomp:\t2\n");
            for (int i = 0; i < 5; i++) {
                GuestProcess sleeper = host.start(List.of("sleep", "30"), PATH, "/");
                sleeper.signal(15);
                assertThat(sleeper.await(T).status()).isEqualTo(143);
            }
            GuestProcess trap = host.start(List.of("sh", "-c", "trap 'echo got TERM; exit 3' TERM; echo ready; "
                    + "while true; do sleep 0.1; done"), PATH, "/");
            long deadline = System.nanoTime() + T.toNanos();
            while (trap.offset(Frame.OutputChannel.STDOUT) < 6 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            trap.signal(15);
            ExecResult r = trap.await(T);
            assertThat(r.stdoutText()).isEqualTo("ready\ngot TERM\n");
            assertThat(host.start(List.of("echo", "still fine"), PATH, "/").await(T).stdoutText())
                    .isEqualTo("still fine\n");
        }
        t.join(Duration.ofSeconds(10));
    }
}
