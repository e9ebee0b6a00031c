package dev.palisade.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Prerequisites;

/**
 * The attacks of issue 3, performed from inside a real bwrap sandbox by a probe compiled with
 * gcc, launched by Palisade's own launcher: each must fail with its exact errno, and a real host
 * Unix listener shared read-only with the sandbox must receive nothing.
 */
@Tag("sandbox")
@Timeout(180)
class DefaultProfileProbeTest {
    @TempDir
    static Path tmp;
    static Probe probe;
    static boolean ia32;

    @BeforeAll
    static void buildProbe() throws Exception {
        Prerequisites.requireExecutable("gcc");
        Prerequisites.requireExecutable("bwrap");
        probe = Probe.build(tmp);
        ia32 = probe.ia32Abi();
    }

    private record Run(Map<String, String> results, String listenerCounts, String stderr) {
    }

    private static Run runProbe(List<dev.palisade.sandbox.SandboxExtension> extensions, Path socketDir)
            throws Exception {
        java.nio.file.Files.createDirectories(socketDir);
        try (HostUnixListener listener = new HostUnixListener(socketDir)) {
            LauncherHarness h = new LauncherHarness(socketDir.resolveSibling(socketDir.getFileName() + "-session"))
                    .roFolder(probe.dir(), "probe").roFolder(socketDir, "hostsock");
            String id = LauncherHarness.newSessionId();
            String sockets = h.inside(id, "hostsock");
            LauncherHarness.Result r = h.run(id, extensions,
                    List.of(h.inside(id, "probe") + "/probe", sockets + "/stream.sock", sockets + "/dgram.sock"));
            assertThat(r.exitCode()).as("probe exit; stderr: %s", r.stderr()).isZero();
            return new Run(Probe.parse(r.stdout()), listener.finish(), r.stderr());
        }
    }

    @Test
    void everyDeniedCallFailsWithItsExactErrnoAndTheHostListenerReceivesNothing() throws Exception {
        SeccompFilter filter = SeccompFilter.create(SeccompProfile.defaultProfile(), false);
        Run run = runProbe(List.of(filter), tmp.resolve("deny"));
        assertThat(run.results()).containsExactlyEntriesOf(ProbeExpectations.forDefaultProfile(false, ia32));
        assertThat(run.listenerCounts()).isEqualTo("connections=0 bytes=0 datagrams=0");
    }

    @Test
    void allowingUnixSocketsLetsTheSameProbeReachTheHostListener() throws Exception {
        // The positive control for the listener: with named Unix sockets allowed, the probe's
        // socket(AF_UNIX) attempts really connect and send, and the listener counts them.
        SeccompFilter filter = SeccompFilter.create(SeccompProfile.defaultProfile(), true);
        Run run = runProbe(List.of(filter), tmp.resolve("allow"));
        assertThat(run.results()).containsExactlyEntriesOf(ProbeExpectations.forDefaultProfile(true, ia32));
        // socket_unix_connect_host and socket_unix_highbits connect and write 6 bytes each;
        // socket_unix_dgram_sendto_host and socketpair_unix_dgram_sendto_host send one datagram each.
        assertThat(run.listenerCounts()).isEqualTo("connections=2 bytes=24 datagrams=2");
    }

    @Test
    void withoutTheFilterTheSameAttacksSucceed() throws Exception {
        // Shows the probe detects escapes: plain bwrap lets these through on this kernel.
        Run run = runProbe(List.of(), tmp.resolve("none"));
        assertThat(run.results()).containsEntry("ptrace_traceme", "OK")
                .containsEntry("personality_read_implies_exec", "OK")
                .containsEntry("socket_unix_connect_host", "OK")
                .containsEntry("socketpair_unix_dgram_sendto_host", "OK")
                .containsEntry("proc_mem_write_sibling", "OK")
                .containsEntry("clone3_plain", "OK")
                .containsEntry("ioctl_tiocsti_highbits", "ENOTTY");
        assertThat(run.listenerCounts()).isNotEqualTo("connections=0 bytes=0 datagrams=0");
    }
}
