package dev.palisade.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.palisade.testing.Prerequisites;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ForwarderTest {
    @BeforeEach
    void needSocat() {
        Prerequisites.requireExecutable("socat");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    void isListeningWhenStartReturnsAndDiesWithItsOwner() throws Exception {
        int port = freePort();
        Forwarder f = Forwarder.start(0, null, "TCP4-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr", "SYSTEM:echo relayed");
        try (Socket s = new Socket("127.0.0.1", port)) {
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("relayed\n");
        }
        List<ProcessHandle> tree = new java.util.ArrayList<>(ProcessHandle.of(f.pid()).orElseThrow().descendants().toList());
        assertThat(tree).isNotEmpty();
        // What happens when this JVM is killed: the pipe the forwarder watches closes.
        f.releaseLifeline();
        for (ProcessHandle h : tree) {
            h.onExit().get(5, TimeUnit.SECONDS);
        }
        assertThat(f.isAlive()).isFalse();
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            throw new AssertionError("still listening after its owner went away");
        } catch (IOException expected) {
            // gone
        }
        f.close();
    }

    @Test
    void failsFastWhenSocatCannotListen() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> Forwarder.start(0, null, "TCP4-LISTEN:" + taken.getLocalPort() + ",bind=127.0.0.1",
                    "SYSTEM:true")).isInstanceOf(IOException.class).hasMessageContaining("exited")
                    .hasMessageContaining("Address already in use");
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(Forwarder.READY_TIMEOUT_MS));
        }
    }
}
