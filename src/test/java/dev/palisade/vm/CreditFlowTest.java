package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-stream credit windows over real sockets: a stream whose reader stalls holds up only itself,
 * and a peer that sends past its window is refused with an error naming the stream.
 */
@Timeout(90)
class CreditFlowTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final List<String> PATH = List.of("PATH=/usr/bin:/bin");

    @TempDir
    Path dir;

    /** A connected pair of Unix stream sockets. */
    private SocketChannel[] pair() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("pair-" + System.nanoTime())));
            SocketChannel a = SocketChannel.open(server.getLocalAddress());
            return new SocketChannel[] {a, server.accept()};
        }
    }

    @Test
    void aTunnelWhoseReaderStallsDoesNotStopOtherStreams() throws Exception {
        // The host's proxy accepts and never reads: the tunnel's data has nowhere to go.
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket s = sink.accept();
                        s.setReceiveBufferSize(4096);
                        held.add(s);
                    }
                } catch (IOException e) {
                    // Test over.
                }
            });
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            SocketChannel[] p = pair();
            GuestAgent agent = new GuestAgent(ChannelStreams.in(p[1]), ChannelStreams.out(p[1]), false,
                    Map.of(Frame.ProxyKind.HTTP, port));
            Thread agentThread = Thread.ofVirtual().start(() -> {
                try {
                    agent.run();
                } catch (IOException e) {
                    // Channel closed at the end of the test.
                }
            });
            try (AgentConnection host = new AgentConnection(p[0])) {
                host.awaitHello(T);
                host.proxies(Map.of(Frame.ProxyKind.HTTP, sink.getLocalSocketAddress()));
                // 64 MiB into a tunnel nobody reads: far more than socket buffers and the window hold.
                GuestProcess flood = host.start(List.of("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port
                        + "; exec head -c 67108864 /dev/zero >&3"), PATH, "/");
                Thread.sleep(1500);
                long t0 = System.nanoTime();
                ExecResult other = host.start(List.of("seq", "1", "200000"), PATH, "/").await(T);
                assertThat(other.status()).isZero();
                assertThat(other.stdoutText().lines().count()).isEqualTo(200000);
                assertThat(host.heartbeat(Duration.ofSeconds(5))).isPositive();
                System.out.printf("other stream done in %d ms while the tunnel is stalled%n",
                        (System.nanoTime() - t0) / 1_000_000);
                // The flood is held back by the window, not finished.
                assertThatThrownBy(() -> flood.await(Duration.ofMillis(500))).isInstanceOf(IOException.class)
                        .hasMessageContaining("did not finish");
                flood.signal(9);
                assertThat(flood.await(T).signal()).isEqualTo(9);
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            agentThread.join(Duration.ofSeconds(10));
        }
    }

    @Test
    void aCommandWhoseOutputReaderStallsDoesNotStopAnother() throws Exception {
        SocketChannel[] p = pair();
        GuestAgent agent = new GuestAgent(ChannelStreams.in(p[1]), ChannelStreams.out(p[1]), false, Map.of());
        Thread.ofVirtual().start(() -> {
            try {
                agent.run();
            } catch (IOException e) {
                // Channel closed at the end of the test.
            }
        });
        try (AgentConnection host = new AgentConnection(p[0])) {
            host.awaitHello(T);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.io.ByteArrayOutputStream slowOut = new java.io.ByteArrayOutputStream();
            // This reader takes one chunk, then stops reading until released.
            GuestProcess slow = host.start(List.of("seq", "1", "1000000"), PATH, "/", (stderr, data) -> {
                synchronized (slowOut) {
                    slowOut.writeBytes(data);
                }
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread.sleep(1000);
            ExecResult other = host.start(List.of("seq", "1", "200000"), PATH, "/").await(T);
            assertThat(other.stdoutText().lines().count()).isEqualTo(200000);
            assertThat(host.heartbeat(Duration.ofSeconds(5))).isPositive();
            // The stalled stream got no further than one chunk plus what its window let through.
            assertThat(slow.offset(Frame.OutputChannel.STDOUT)).isLessThanOrEqualTo(Frame.INITIAL_WINDOW);
            release.countDown();
            ExecResult r = slow.await(T);
            assertThat(r.status()).isZero();
            String all;
            synchronized (slowOut) {
                all = slowOut.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
            assertThat(all.lines().count()).isEqualTo(1000000);
            assertThat(all).startsWith("1\n2\n").endsWith("\n999999\n1000000\n");
        }
    }

    @Test
    void aGuestThatOverrunsTheOutputWindowIsRefused() throws Exception {
        SocketChannel[] p = pair();
        try (AgentConnection host = new AgentConnection(p[0]); SocketChannel guest = p[1]) {
            InputStream in = ChannelStreams.in(guest);
            OutputStream out = ChannelStreams.out(guest);
            GuestProcess proc = host.start(List.of("true"), PATH, "/");
            assertThat(FrameCodec.read(in)).isInstanceOf(Frame.Exec.class);
            // Within the window: accepted.
            out.write(FrameCodec.encode(new Frame.Output(proc.stream(), Frame.OutputChannel.STDOUT, 0,
                    new byte[1000])));
            // One chunk larger than everything granted.
            out.write(FrameCodec.encode(new Frame.Output(proc.stream(), Frame.OutputChannel.STDOUT, 1000,
                    new byte[Frame.INITIAL_WINDOW])));
            assertThatThrownBy(() -> proc.await(T)).isInstanceOf(IOException.class)
                    .hasMessageContaining("OUTPUT on stream " + proc.stream() + " overran its credit window");
        }
    }

    @Test
    void aHostThatOverrunsTheStdinWindowIsRefusedByTheAgent() throws Exception {
        SocketChannel[] p = pair();
        GuestAgent agent = new GuestAgent(ChannelStreams.in(p[1]), ChannelStreams.out(p[1]), false, Map.of());
        Thread agentThread = Thread.ofVirtual().start(() -> {
            try {
                agent.run();
            } catch (IOException e) {
                // Reported below through the channel.
            }
        });
        try (SocketChannel host = p[0]) {
            InputStream in = ChannelStreams.in(host);
            OutputStream out = ChannelStreams.out(host);
            assertThat(FrameCodec.read(in)).isInstanceOf(Frame.Hello.class);
            // A command that never reads its input.
            out.write(FrameCodec.encode(new Frame.Exec(1, List.of("sleep", "20"), PATH, "/", false)));
            out.write(FrameCodec.encode(new Frame.Stdin(1, new byte[Frame.INITIAL_WINDOW], false)));
            out.write(FrameCodec.encode(new Frame.Stdin(1, new byte[1], false)));
            Frame f;
            do {
                f = FrameCodec.read(in);
            } while (!(f instanceof Frame.Error));
            Frame.Error e = (Frame.Error) f;
            assertThat(e.stream()).isZero();
            assertThat(e.message()).contains("STDIN on stream 1 overran its credit window");
        }
        agentThread.join(Duration.ofSeconds(10));
    }

    @Test
    void stdinBeyondTheWindowFlowsAsTheCommandReads() throws Exception {
        SocketChannel[] p = pair();
        GuestAgent agent = new GuestAgent(ChannelStreams.in(p[1]), ChannelStreams.out(p[1]), false, Map.of());
        Thread.ofVirtual().start(() -> {
            try {
                agent.run();
            } catch (IOException e) {
                // Channel closed at the end of the test.
            }
        });
        try (AgentConnection host = new AgentConnection(p[0])) {
            host.awaitHello(T);
            GuestProcess wc = host.start(List.of("wc", "-c"), PATH, "/");
            byte[] data = new byte[Frame.INITIAL_WINDOW * 8];
            wc.write(data);
            wc.closeInput();
            assertThat(wc.await(T).stdoutText().strip()).isEqualTo(Integer.toString(data.length));
            assertThat(wc.stdinOffset()).isEqualTo(data.length);
        }
    }
}
