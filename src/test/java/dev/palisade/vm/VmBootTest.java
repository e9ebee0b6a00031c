package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.palisade.image.InstalledImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots one real guest under TCG (the accelerator CI has) from an image built from the host's
 * Debian kernel, busybox and a jlink'd runtime, and talks to the Java guest agent over
 * virtio-serial. One boot for the class.
 */
@Tag("vm")
@Timeout(240)
class VmBootTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final List<String> PATH = List.of("PATH=/bin:/sbin");

    @TempDir
    static Path dir;
    static InstalledImage image;
    static Vm vm;

    @BeforeAll
    static void boot() throws Exception {
        Path qemu = TestImages.requireQemu();
        image = TestImages.agent(dir, "vmtest");
        vm = Vm.boot(new VmConfig(qemu, Accelerator.TCG, image.kernel(), image.initramfs(), dir.resolve("run"), 512,
                Duration.ofSeconds(180)));
    }

    @AfterAll
    static void shutdown() throws IOException {
        if (vm != null) {
            vm.close();
            assertThat(vm.isAlive()).as("QEMU after close").isFalse();
        }
    }

    @Test
    void saysHelloWithProtocolVersionAndGuestKernel() {
        assertThat(vm.hello().version()).isEqualTo(Frame.PROTOCOL_VERSION);
        assertThat(vm.hello().agent()).startsWith("palisade-agent/").endsWith(image.manifest().kernelRelease());
    }

    @Test
    void unameReportsTheGuestKernelNotTheHost() throws Exception {
        ExecResult r = vm.exec(List.of("uname", "-r"), PATH, "/", T);
        assertThat(r.status()).isZero();
        assertThat(r.stdoutText()).isEqualTo(image.manifest().kernelRelease() + "\n");
        assertThat(r.stderrText()).isEmpty();
        // The command runs in its own pid namespace inside the guest: pid 1 is its bwrap.
        ExecResult init = vm.exec(List.of("cat", "/proc/1/cmdline"), PATH, "/", T);
        assertThat(init.stdoutText()).startsWith("/usr/bin/bwrap");
    }

    @Test
    void exitCodesStderrEnvAndCwdComeBack() throws Exception {
        ExecResult r = vm.exec(List.of("sh", "-c", "echo \"$GREETING\"; pwd; echo oops >&2; exit 3"),
                List.of("PATH=/bin", "GREETING=hi there"), "/tmp", T);
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.signal()).isZero();
        assertThat(r.stdoutText()).isEqualTo("hi there\n/tmp\n");
        assertThat(r.stderrText()).isEqualTo("oops\n");
    }

    @Test
    void deathBySignalIsReportedAsSignal() throws Exception {
        ExecResult r = vm.exec(List.of("sh", "-c", "kill -9 $$"), PATH, "/", T);
        assertThat(r.signal()).isEqualTo(9);
        assertThat(r.status()).isEqualTo(137);
    }

    @Test
    void stdinReachesTheGuestCommand() throws Exception {
        GuestProcess p = vm.start(List.of("sh", "-c", "tr a-z A-Z"), PATH, "/");
        p.write("hello guest\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.closeInput();
        ExecResult r = p.await(T);
        assertThat(r.status()).isZero();
        assertThat(r.stdoutText()).isEqualTo("HELLO GUEST\n");
    }

    @Test
    void connectionsToTheGuestProxyPortAreTunnelledToTheHost() throws Exception {
        try (java.net.ServerSocket echo = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (java.net.Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (IOException ignored) {
                    // Test over.
                }
            });
            vm.proxies(java.util.Map.of(Frame.ProxyKind.HTTP, echo.getLocalSocketAddress()));
            ExecResult r = vm.exec(List.of("sh", "-c", "echo through the tunnel | nc 127.0.0.1 3128"), PATH, "/", T);
            assertThat(r.stdoutText()).as(r.stderrText()).isEqualTo("through the tunnel\n");
            // No other way out: the guest has no NIC at all.
            // (Commands share the guest's network namespace, which has only lo.)
            ExecResult links = vm.exec(List.of("sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1"), PATH, "/", T);
            assertThat(links.stdoutText().strip()).isEqualTo("lo");
        }
    }

    @Test
    void missingCommandIs127() throws Exception {
        ExecResult r = vm.exec(List.of("no-such-command"), PATH, "/", T);
        assertThat(r.status()).isEqualTo(127);
    }

    @Test
    void largeOutputArrivesWholeAcrossChunks() throws Exception {
        ExecResult r = vm.exec(List.of("sh", "-c", "yes palisade | head -c 200000"), PATH, "/", T);
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).hasSize(200000);
        assertThat(r.stdoutText()).startsWith("palisade\npalisade\n");
    }

    @Test
    void heartbeatIsAnsweredWhileACommandRuns() throws Exception {
        GuestProcess sleeper = vm.start(List.of("sleep", "30"), PATH, "/");
        long rtt = vm.heartbeat(Duration.ofSeconds(10));
        assertThat(rtt).isPositive();
        sleeper.signal(15);
        ExecResult r = sleeper.await(T);
        assertThat(r.signal()).isEqualTo(15);
        assertThat(r.status()).isEqualTo(143);
    }

    @Test
    void concurrentCommandsKeepTheirOutputApart() throws Exception {
        GuestProcess a = vm.start(List.of("sh", "-c", "sleep 1; yes a | head -c 70000"), PATH, "/");
        GuestProcess b = vm.start(List.of("sh", "-c", "yes b | head -c 70000"), PATH, "/");
        ExecResult rb = b.await(T);
        ExecResult ra = a.await(T);
        assertThat(ra.stdoutText()).hasSize(70000).matches("(a\\n)+");
        assertThat(rb.stdoutText()).hasSize(70000).matches("(b\\n)+");
    }

    @Test
    void invalidRequestIsRefusedOnTheHostAndTheChannelSurvives() throws Exception {
        // A malformed environment never reaches the wire; the channel stays usable.
        assertThatThrownBy(() -> vm.exec(List.of("sh", "-c", "exit 0"), List.of("BAD"), "/", T))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(vm.exec(List.of("true"), PATH, "/", T).status()).isZero();
    }
}
