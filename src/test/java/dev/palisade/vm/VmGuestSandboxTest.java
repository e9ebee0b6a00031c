package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
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
 * Commands inside a real guest (TCG) run under bwrap with the namespace tier's seccomp programs:
 * each attack is tried from inside a guest command and must fail; the matching legitimate work
 * must still succeed. One boot for the class, with a read-only and a read-write folder.
 */
@Tag("vm")
@Tag("sandbox")
@Timeout(300)
class VmGuestSandboxTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final List<String> PATH = List.of("PATH=/bin:/sbin:/usr/bin");
    private static final String SESSION = "curious-lovelace";
    private static final String DOCS = "/sessions/" + SESSION + "/mnt/Docs";
    private static final String WORK = "/sessions/" + SESSION + "/mnt/Work";

    @TempDir
    static Path dir;
    static Vm vm;

    @BeforeAll
    static void boot() throws Exception {
        Path qemu = TestImages.requireQemu();
        InstalledImage image = TestImages.agent(dir, "sandboxed");
        Path docs = Files.createDirectories(dir.resolve("docs"));
        Files.writeString(docs.resolve("hello.txt"), "from the host\n");
        Path work = Files.createDirectories(dir.resolve("work"));
        vm = Vm.boot(new VmConfig(qemu, Accelerator.TCG, image.kernel(), image.initramfs(), dir.resolve("run"), 512,
                Duration.ofSeconds(180)).withFolders(List.of(new SharedFolder(docs, "Docs", true),
                new SharedFolder(work, "Work", false))));
        printBootPhases(dir.resolve("run"));
        vm.agent().send(new Frame.Init(SESSION, System.currentTimeMillis(),
                dev.palisade.sys.Libc.geteuid(), dev.palisade.sys.Libc.getegid(), new byte[16]));
        vm.agent().awaitHello(T);
        vm.mountFolders(SESSION, T);
        vm.putFile("/etc/palisade-test/ca.pem", "test CA\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), T);
    }

    /** Where the cold boot's time went, from the uptime stamps /init and the agent print on the console. */
    private static void printBootPhases(Path runtimeDir) throws IOException {
        Path log;
        try (var s = Files.walk(runtimeDir)) {
            log = s.filter(p -> p.getFileName().toString().contains("console")).findFirst().orElse(null);
        }
        if (log == null) {
            return;
        }
        StringBuilder b = new StringBuilder("BENCH accel=TCG cold boot phases (guest uptime, s):");
        for (String line : Files.readAllLines(log)) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("palisade-(init|agent):? (.*?)uptime=([0-9.]+)")
                    .matcher(line);
            if (m.find()) {
                b.append(" [").append(m.group(2).strip().isEmpty() ? "init" : m.group(2).strip()).append(' ')
                        .append(m.group(3)).append(']');
            } else if (line.contains("warm-up took") || line.contains("warm-up steps")) {
                b.append(" [").append(line.substring(line.indexOf("warm-up")).strip()).append(']');
            }
        }
        System.out.println(b);
    }

    @AfterAll
    static void shutdown() throws IOException {
        if (vm != null) {
            vm.close();
        }
    }

    private static ExecResult sh(String script) throws Exception {
        return vm.exec(List.of("sh", "-c", script), PATH, "/", T);
    }

    @Test
    void commandsRunUnderTheSeccompFilter() throws Exception {
        ExecResult status = sh("grep '^Seccomp:' /proc/self/status; grep '^NoNewPrivs:' /proc/self/status");
        assertThat(status.stdoutText()).isEqualTo("Seccomp:\t2\nNoNewPrivs:\t1\n");
    }

    @Test
    void syscallsTheProfileDeniesFailInsideTheGuestCommand() throws Exception {
        // unshare(2) of a user namespace and mount(2) are denied by the default profile.
        ExecResult userns = sh("unshare -U true");
        assertThat(userns.status()).isNotZero();
        assertThat(userns.stderrText()).containsIgnoringCase("unshare");
        ExecResult mount = sh("mkdir -p /tmp/m && mount -t tmpfs none /tmp/m");
        assertThat(mount.status()).isNotZero();
        assertThat(mount.stderrText()).containsIgnoringCase("mount");
        // A named Unix socket is denied too (Palisade's own filter, as in the namespace tier).
        ExecResult unix = sh("nc -l -U /tmp/sock & sleep 1; ls /tmp/sock");
        assertThat(unix.status()).isNotZero();
    }

    @Test
    void commandsCannotSeeTheAgentOrOtherProcesses() throws Exception {
        ExecResult ps = sh("for p in /proc/[0-9]*; do cat $p/cmdline | tr '\\000' ' '; echo; done");
        assertThat(ps.stdoutText()).doesNotContain("java").doesNotContain("/init");
        // Its own pid namespace: pid 1 is bwrap's, not the guest's init.
        assertThat(sh("cat /proc/1/cmdline").stdoutText()).startsWith("/usr/bin/bwrap");
    }

    @Test
    void theRootAndSystemFoldersAreReadOnly() throws Exception {
        for (String target : List.of("/planted", "/bin/planted", "/etc/planted")) {
            ExecResult w = sh("echo x > " + target);
            assertThat(w.status()).as(target).isNotZero();
            assertThat(w.stderrText()).as(target).containsIgnoringCase("read-only");
        }
        assertThat(sh("ls /planted /etc/planted").status()).isNotZero();
    }

    @Test
    void ordinaryCommandsRunAndUseTheirFoldersHomeAndTmp() throws Exception {
        ExecResult read = vm.exec(List.of("cat", DOCS + "/hello.txt"), PATH, "/", T);
        assertThat(read.stdoutText()).isEqualTo("from the host\n");
        ExecResult ro = sh("echo x > " + DOCS + "/planted.txt");
        assertThat(ro.status()).isNotZero();
        assertThat(ro.stderrText()).containsIgnoringCase("read-only");
        assertThat(dir.resolve("docs/planted.txt")).doesNotExist();

        ExecResult rw = vm.exec(List.of("sh", "-c", "echo result > out.txt && pwd"), PATH, WORK, T);
        assertThat(rw.status()).as(rw.stderrText()).isZero();
        assertThat(rw.stdoutText()).isEqualTo(WORK + "\n");
        assertThat(Files.readString(dir.resolve("work/out.txt"))).isEqualTo("result\n");

        ExecResult scratch = sh("echo a > /tmp/a && echo b > /sessions/" + SESSION + "/b && cat /tmp/a /sessions/"
                + SESSION + "/b && hostname");
        assertThat(scratch.stdoutText()).as(scratch.stderrText()).isEqualTo("a\nb\n" + SESSION + "\n");
    }

    @Test
    void signalsReachTheCommandInsideTheSandbox() throws Exception {
        GuestProcess p = vm.start(List.of("sh", "-c", "trap 'echo got TERM; exit 3' TERM; echo ready; "
                + "while true; do sleep 0.1; done"), PATH, "/");
        long deadline = System.nanoTime() + T.toNanos();
        while (p.offset(Frame.OutputChannel.STDOUT) < 6 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        p.signal(15);
        ExecResult r = p.await(T);
        // The command's own handler ran: the signal was not just bwrap dying around it.
        assertThat(r.stdoutText()).isEqualTo("ready\ngot TERM\n");
        assertThat(r.status()).isEqualTo(3);
    }

    @Test
    void aSignalSentWhileTheSandboxStartsStillEndsTheCommand() throws Exception {
        for (int i = 0; i < 3; i++) {
            GuestProcess p = vm.start(List.of("sleep", "30"), PATH, "/");
            // No wait: the signal races bwrap's set-up.
            p.signal(15);
            ExecResult r = p.await(T);
            assertThat(r.status()).isEqualTo(143);
        }
        // And the guest still runs commands afterwards.
        try {
            assertThat(sh("echo still fine").stdoutText()).isEqualTo("still fine\n");
        } catch (IOException e) {
            Path console;
            try (var files = Files.walk(dir.resolve("run"))) {
                console = files.filter(f -> f.getFileName().toString().contains("console")).findFirst().orElseThrow();
            }
            throw new AssertionError("guest console:\n" + Files.readString(console), e);
        }
    }

    @Test
    void manyCommandsDoNotExhaustTheAgentsMemory() throws Exception {
        // Finished commands keep their replay buffers for a while: their memory must stay bounded.
        for (int i = 0; i < 60; i++) {
            assertThat(vm.exec(List.of("echo", Integer.toString(i)), PATH, "/", T).stdoutText()).isEqualTo(i + "\n");
        }
        assertThat(vm.heartbeat(Duration.ofSeconds(10))).isPositive();
    }

    @Test
    void execLatencyInTheSandbox() throws Exception {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            assertThat(vm.exec(List.of("true"), PATH, "/", T).status()).isZero();
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("BENCH accel=TCG sandboxed-exec-true best-of-5=%d ms%n", best / 1_000_000);
    }

    @Test
    void aFileTheHostPutIsVisibleAndReadOnly() throws Exception {
        assertThat(sh("cat /etc/palisade-test/ca.pem").stdoutText()).isEqualTo("test CA\n");
        ExecResult w = sh("echo evil > /etc/palisade-test/ca.pem");
        assertThat(w.status()).isNotZero();
        assertThat(sh("cat /etc/palisade-test/ca.pem").stdoutText()).isEqualTo("test CA\n");
    }

    @Test
    void eachCommandGetsAFreshTmp() throws Exception {
        assertThat(sh("echo x > /tmp/left-behind").status()).isZero();
        assertThat(sh("ls /tmp").stdoutText()).isEmpty();
    }
}
