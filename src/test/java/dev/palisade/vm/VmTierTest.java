package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import dev.palisade.api.Event;
import dev.palisade.api.ExitEvent;
import dev.palisade.api.FileEvent;
import dev.palisade.api.ViolationEvent;
import dev.palisade.api.VmEvent;
import dev.palisade.image.InstalledImage;
import dev.palisade.net.EgressRules;
import dev.palisade.net.NetworkBridge;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.sandbox.Exec;
import dev.palisade.sandbox.FolderGuard;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sandbox.SessionSpec;
import dev.palisade.sandbox.Tier;
import dev.palisade.sys.Libc;
import dev.palisade.testing.Cli;
import dev.palisade.testing.Prerequisites;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --tier vm} end to end under TCG with a real image, real QEMU in real bwrap, the real file
 * guard and proxies: the first test finds a corrupt snapshot, remakes it with the class's one cold
 * boot, and every later session restores it.
 */
@Tag("vm")
@Tag("sandbox")
@Tag("fuse") // the file guard mounts FUSE: run in the forked JVM of the fuse tests
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmTierTest {
    private static Path root;
    private static VmSettings settings;
    private static InstalledImage image;
    private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void buildImage() throws IOException {
        TestImages.requireQemu();
        Prerequisites.requireExecutable("bwrap");
        root = Files.createTempDirectory("palisade-vmtier-");
        // The sandboxed side (QEMU's 9p server) must be able to enter the folders.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        image = TestImages.agent(root, "tier");
        // Heartbeat 1 s × 3 keeps the freeze test short; a healthy agent answers in milliseconds.
        settings = VmSettings.defaults("tier").withStore(root.resolve("store"), root.resolve("cache"))
                .withHeartbeat(Duration.ofSeconds(1), 3);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (root != null) {
            try (var walk = Files.walk(root)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private SandboxSession open(String id, List<Mount> mounts) throws Exception {
        FolderGuard guard = new FolderGuard(FilesystemPolicy.DEFAULT.blockedFileTypes(), 0,
                Files.createDirectories(root.resolve("history-" + id)), events::add);
        return SandboxSession.open(new SessionSpec(id, Tier.VM, mounts, FilesystemPolicy.DEFAULT,
                Path.of(System.getProperty("user.home")), false, dev.palisade.sandbox.TmpfsSizes.DEFAULT, guard),
                settings, warnings::add);
    }

    /** A run with files as stdin, stdout and stderr. */
    private record Run(Outcome outcome, String stdout, String stderr) {
    }

    private Run run(SandboxSession s, String stdin, List<SandboxExtension> ext, String... argv) throws Exception {
        Path dir = Files.createTempDirectory(root, "io-");
        Files.writeString(dir.resolve("in"), stdin);
        int in = Libc.open(dir.resolve("in").toString(), Libc.O_RDONLY, 0);
        int out = Libc.open(dir.resolve("out").toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, 0600);
        int err = Libc.open(dir.resolve("err").toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, 0600);
        try {
            Outcome o = s.run(new Exec(List.of(argv), Map.of(), null, ext, events::add, new int[] {in, out, err}, false));
            return new Run(o, Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
        } finally {
            Libc.close(in);
            Libc.close(out);
            Libc.close(err);
        }
    }

    @Test
    @Order(1)
    void corruptSnapshotIsRemadeThenTheGuestKernelRunsTheCommand() throws Exception {
        Path snapshot = VmTier.snapshotFile(settings);
        Files.createDirectories(snapshot.getParent());
        Files.writeString(snapshot, "QEVM this is not a migration stream");
        try (SandboxSession s = open("corrupt-snap", List.of())) {
            assertThat(warnings).anyMatch(w -> w.contains("could not be restored") && w.contains("cold boot"));
            assertThat(warnings).anyMatch(w -> w.contains("TCG"));
            assertThat(Files.size(snapshot)).isGreaterThan(10L << 20);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot))).isEqualTo("rw-------");
            Run r = run(s, "", List.of(), "uname", "-r");
            assertThat(r.outcome().status()).isZero();
            assertThat(r.stdout().strip()).isEqualTo(image.manifest().kernelRelease());
            String host = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
            if (!host.equals(image.manifest().kernelRelease())) {
                assertThat(r.stdout().strip()).isNotEqualTo(host);
            }
            // The guest is its own machine: its hostname is the session id (INIT after restore).
            assertThat(run(s, "", List.of(), "hostname").stdout().strip()).isEqualTo("corrupt-snap");
        }
    }

    @Test
    @Order(2)
    void exitStatusesSignalsAndAllThreeStreamsAreTheCommands() throws Exception {
        try (SandboxSession s = open("streams-test", List.of())) {
            // Restored, not cold-booted: no second snapshot was made.
            assertThat(warnings).noneMatch(w -> w.contains("making the ready snapshot"));
            Run r = run(s, "line one\nline two\n", List.of(), "sh", "-c", "cat; echo to-err >&2; exit 7");
            assertThat(r.outcome().status()).isEqualTo(7);
            assertThat(r.outcome().reason()).isEqualTo("exited");
            assertThat(r.stdout()).isEqualTo("line one\nline two\n");
            assertThat(r.stderr()).isEqualTo("to-err\n");

            Run killed = run(s, "", List.of(), "sh", "-c", "kill -TERM $$");
            assertThat(killed.outcome().status()).isEqualTo(143);
            assertThat(killed.outcome().signal()).isEqualTo(15);
            assertThat(killed.outcome().reason()).isEqualTo("signaled");

            assertThat(run(s, "", List.of(), "no-such-command-here").outcome().status()).isEqualTo(127);

            // A file an extension binds read-only (the broker's CA certificate) is there in the guest
            // sandbox (handed to the agent with PUT_FILE), read-only.
            Path ca = Files.writeString(root.resolve("session-ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n");
            SandboxExtension caBind = plan -> plan.addBwrapArgs("--ro-bind", ca.toString(), "/etc/palisade-test/ca.pem");
            Run seen = run(s, "", List.of(caBind), "sh", "-c", "cat /etc/palisade-test/ca.pem; "
                    + "echo x >> /etc/palisade-test/ca.pem || echo refused");
            assertThat(seen.stdout()).isEqualTo("-----BEGIN CERTIFICATE-----\nMIIB\n" + "refused\n");
            // A read-write bind (an allowed Unix socket) cannot be honoured in the guest: refused.
            SandboxExtension rwBind = plan -> plan.addBwrapArgs("--bind", ca.toString(), "/run/agent.sock");
            assertThatThrownBy(() -> run(s, "", List.of(rwBind), "true"))
                    .isInstanceOf(dev.palisade.sandbox.SandboxException.class).hasMessageContaining("--tier namespace");
            assertThat(events).filteredOn(e -> e instanceof ExitEvent).extracting(e -> ((ExitEvent) e).status())
                    .containsExactly(7, 143, 127, 0);
        }
    }

    @Test
    @Order(3)
    void foldersAreSharedWithTheirModesAndTheFileGuard() throws Exception {
        Path docs = Files.createDirectories(root.resolve("Docs"));
        Files.writeString(docs.resolve("readme.txt"), "from the host\n");
        Path work = Files.createDirectories(root.resolve("Work"));
        List<Mount> mounts = List.of(new Mount(work, "Work", Access.RW), new Mount(docs, "Docs", Access.RO));
        Path real = work.toRealPath();
        try (SandboxSession s = open("folder-test", mounts)) {
            String guestWork = "/sessions/folder-test/mnt/Work";
            Run r = run(s, "", List.of(), "sh", "-c", "pwd; cat ../Docs/readme.txt; echo result > out.txt; "
                    + "readlink -f out.txt");
            assertThat(r.outcome().status()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo(guestWork + "\nfrom the host\n" + guestWork + "/out.txt\n");
            // Paths in output are the namespace tier's, so the session's translator maps them back.
            assertThat(s.translator().rewriteToHost(r.stdout())).isEqualTo(work.toRealPath() + "\nfrom the host\n"
                    + work.toRealPath() + "/out.txt\n");
            assertThat(Files.readString(work.resolve("out.txt"))).isEqualTo("result\n");
            // Written by a guest command running as the host user: the host user's file.
            assertThat(Files.getAttribute(work.resolve("out.txt"), "unix:uid")).isEqualTo(Libc.geteuid());
            assertThat(events).anyMatch(e -> e instanceof FileEvent f && f.path().equals(real + "/out.txt"));

            Run ro = run(s, "", List.of(), "sh", "-c", "echo x > /sessions/folder-test/mnt/Docs/planted.txt");
            assertThat(ro.outcome().status()).isNotZero();
            assertThat(ro.stderr()).containsIgnoringCase("read-only");
            assertThat(docs.resolve("planted.txt")).doesNotExist();

            // Blocked file types are refused by the host's file guard, whatever the guest kernel does.
            Run blocked = run(s, "", List.of(), "sh", "-c", "echo MZ > tool.exe");
            assertThat(blocked.outcome().status()).isNotZero();
            assertThat(work.resolve("tool.exe")).doesNotExist();
            assertThat(events).anyMatch(e -> e instanceof ViolationEvent v && v.layer().equals("filesystem")
                    && v.target().equals(real + "/tool.exe"));
            // Nor can the guest rename a file into a blocked type or make a set-uid file.
            Run sneaky = run(s, "", List.of(), "sh", "-c", "echo x > a.txt && mv a.txt a.bat; "
                    + "touch t && chmod 4755 t; echo done");
            assertThat(sneaky.stdout()).isEqualTo("done\n");
            assertThat(work.resolve("a.bat")).doesNotExist();
            assertThat((Integer) Files.getAttribute(work.resolve("t"), "unix:mode") & 04000).isZero();
        }
    }

    @Test
    @Order(4)
    void guestCommandsRunAsTheHostUserSoTheyReadAndWriteItsFilesAndOwnWhatTheyWrite() throws Exception {
        // As an ordinary host user, QEMU (that user) serves the folder: the guest sees it owned by that
        // uid, and a command running as anyone else without capabilities could neither write nor read mine.txt.
        Path plain = Files.createDirectories(root.resolve("Plain"));
        Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(plain.resolve("mine.txt"), "host\n");
        Files.setPosixFilePermissions(plain.resolve("mine.txt"), PosixFilePermissions.fromString("rw-------"));
        try (SandboxSession s = open("uid-test", List.of(new Mount(plain, "Plain", Access.RW)))) {
            Run r = run(s, "", List.of(), "sh", "-c", "id -u; id -g; cat mine.txt; echo guest > new.txt; "
                    + "mkdir sub && echo deeper > sub/f; stat -c %u new.txt; touch \"$HOME/h\" /tmp/t && echo home-ok");
            int uid = Libc.geteuid();
            assertThat(r.outcome().status()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo(uid + "\n" + Libc.getegid() + "\nhost\n" + uid + "\nhome-ok\n");
            assertThat(Files.readString(plain.resolve("new.txt"))).isEqualTo("guest\n");
            assertThat(Files.readString(plain.resolve("sub/f"))).isEqualTo("deeper\n");
            for (String f : List.of("new.txt", "sub", "sub/f")) {
                assertThat(Files.getAttribute(plain.resolve(f), "unix:uid")).as(f).isEqualTo(uid);
            }
        }
    }

    @Test
    @Order(5)
    void allowedDomainIsReachableThroughTheTunnelAndDeniedOneIsAViolation() throws Exception {
        HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        List<String> hits = Collections.synchronizedList(new ArrayList<>());
        upstream.createContext("/", ex -> {
            hits.add(ex.getRequestURI().toString());
            byte[] body = "hello through the tunnel\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        upstream.start();
        Path net = Files.createDirectories(root.resolve("net"));
        Files.setPosixFilePermissions(net, PosixFilePermissions.fromString("rwx------"));
        try (SandboxSession s = open("net-test", List.of())) {
            int port = upstream.getAddress().getPort();
            EgressRules rules = new EgressRules(List.of("allowed.test"), List.of(), List.of("127.0.0.0/8"), List.of(),
                    EgressRules.DEFAULT_MAX_CONNECTIONS, EgressRules.DEFAULT_MAX_BYTES);
            NetworkBridge bridge = new NetworkBridge("net-test", rules, name -> List.of(InetAddress.getLoopbackAddress()),
                    events::add, null, net, List.of());
            Run r = run(s, "", List.of(bridge), "sh", "-c", "echo $HTTP_PROXY $ALL_PROXY; "
                    + "wget -q -O - http://allowed.test:" + port + "/ok; "
                    + "wget -q -O - http://denied.test:" + port + "/no; echo denied=$?");
            assertThat(r.stdout()).as(r.stderr()).startsWith("http://127.0.0.1:3128 socks5h://127.0.0.1:1080\n"
                    + "hello through the tunnel\n");
            assertThat(r.stdout()).contains("denied=1");
            assertThat(hits).containsExactly("/ok");
            assertThat(events).anyMatch(e -> e instanceof ViolationEvent v && v.layer().equals("network")
                    && v.target().contains("denied.test"));
        } finally {
            upstream.stop(0);
        }
    }

    @Test
    @Order(6)
    void frozenGuestIsKilledItsCommandLostAndTheSessionRestarted() throws Exception {
        try (SandboxSession s = open("freeze-test", List.of())) {
            VmTier tier = s.vm().orElseThrow();
            Thread freezer = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(1500);
                    tier.vm().pause();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            long t0 = System.nanoTime();
            Run r = run(s, "", List.of(), "sleep", "120");
            long lostAfter = (System.nanoTime() - t0) / 1_000_000;
            freezer.join();
            assertThat(r.outcome().status()).isEqualTo(125);
            assertThat(r.outcome().reason()).isEqualTo("lost");
            // 3 missed beats of 1 s each (each waits 1 s for its answer), plus the freeze delay.
            assertThat(lostAfter).isLessThan(15_000);
            assertThat(events).anyMatch(e -> e instanceof VmEvent v && v.action().equals("failed"));
            assertThat(events).anyMatch(e -> e instanceof ExitEvent x && x.status() == 125 && x.reason().equals("lost"));
            // The supervisor restores a fresh VM for the same session; new commands run there.
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (tier.supervisor().restarts() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(tier.supervisor().restarts()).isEqualTo(1);
            assertThat(tier.supervisor().lastCause()).contains("heartbeat");
            Run after = run(s, "", List.of(), "hostname");
            assertThat(after.outcome().status()).isZero();
            assertThat(after.stdout().strip()).isEqualTo("freeze-test");
        }
    }

    @Test
    @Order(7)
    void theCliForwardsSignalsAndQemuSeesNeitherHomeNorRootAndDiesWithTheLauncher() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cli("--session", "cli-signal", "--", "sh", "-c",
                "echo started; sleep 60")).redirectErrorStream(false);
        pb.environment().put("XDG_CACHE_HOME", root.resolve("cache-cli").toString());
        linkCache();
        Process p = pb.start();
        p.getOutputStream().close();
        String first = new String(p.getInputStream().readNBytes(8), StandardCharsets.UTF_8);
        assertThat(first).as(() -> stderrOf(p)).isEqualTo("started\n");
        long qemu = qemuOf("cli-signal");
        assertThat(qemu).isPositive();
        Path view = Path.of("/proc", Long.toString(qemu), "root");
        // QEMU's file system: the image, no home, no host /etc beyond the loader cache, not this test's files.
        // The CLI reaches the store through cache-cli/palisade/images; QEMU sees the file where it was named.
        Path kernel = root.resolve("cache-cli/palisade/images/tier-1/vmlinuz");
        assertThat(view.resolve(kernel.toString().substring(1))).exists();
        assertThat(view.resolve(System.getProperty("user.home").substring(1))).doesNotExist();
        assertThat(view.resolve("etc/passwd")).doesNotExist();
        assertThat(view.resolve(root.resolve("Docs").toString().substring(1))).doesNotExist();
        // SIGTERM to the launcher goes to the command in the guest: 128 + 15.
        p.toHandle().destroy();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(() -> stderrOf(p)).isEqualTo(143);
        waitGone(qemu);

        // SIGKILL to the launcher: bwrap's --die-with-parent takes QEMU down with it.
        ProcessBuilder pb2 = new ProcessBuilder(cli("--session", "cli-kill", "--", "sh", "-c", "echo started; sleep 60"));
        pb2.environment().put("XDG_CACHE_HOME", root.resolve("cache-cli").toString());
        Process p2 = pb2.start();
        assertThat(new String(p2.getInputStream().readNBytes(8), StandardCharsets.UTF_8)).isEqualTo("started\n");
        long qemu2 = qemuOf("cli-kill");
        assertThat(qemu2).isPositive();
        p2.toHandle().destroyForcibly();
        p2.waitFor(30, TimeUnit.SECONDS);
        waitGone(qemu2);
    }

    private static List<String> cli(String... args) {
        List<String> cmd = new ArrayList<>(Cli.javaCommand());
        cmd.addAll(List.of("run", "--tier", "vm", "--image", "tier"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The CLI finds images and snapshots under $XDG_CACHE_HOME/palisade: point it at this class's. */
    private static void linkCache() throws IOException {
        Path pal = Files.createDirectories(root.resolve("cache-cli"));
        if (!Files.exists(pal.resolve("palisade"))) {
            Path dir = Files.createDirectories(pal.resolve("palisade"));
            Files.createSymbolicLink(dir.resolve("images"), root.resolve("store"));
            Files.createSymbolicLink(dir.resolve("snapshots"), root.resolve("cache").resolve("snapshots"));
        }
    }

    private static String stderrOf(Process p) {
        try {
            if (p.isAlive()) {
                return "(still running)";
            }
            return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The QEMU process of a session, found by its runtime folder on the command line. */
    private static long qemuOf(String session) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var found = ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
                    .map(c -> c.contains("qemu-system-x86_64") && !c.contains("bwrap") && c.contains("/" + session + "/"))
                    .orElse(false)).findFirst();
            if (found.isPresent()) {
                return found.get().pid();
            }
            Thread.sleep(100);
        }
        return -1;
    }

    private static void waitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("QEMU " + pid + " gone").isFalse();
    }
}
