package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import dev.palisade.image.InstalledImage;
import dev.palisade.testing.Prerequisites;
import dev.palisade.vm.TestImages;
import dev.palisade.vm.VmSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Vm-tier sessions through the daemon's socket, with a real image in a private store, real QEMU
 * in real bwrap and the real file guard: the class's first session makes the image's snapshot
 * with its one cold boot, later sessions restore it.
 */
@Tag("vm")
@Tag("sandbox")
@Tag("fuse") // read-write folders of a vm session go through the file guard (FUSE)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DaemonVmTest {
    private static Path root;
    private static InstalledImage image;
    private static Daemon daemon;
    private static Thread serving;

    @BeforeAll
    static void start() throws Exception {
        TestImages.requireQemu();
        Prerequisites.requireExecutable("bwrap");
        root = Files.createTempDirectory("palisade-daemonvm-");
        // The sandboxed side (QEMU's 9p server) must be able to enter the folders.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        image = TestImages.agent(root, "daemonvm");
        daemon = Daemon.bind(root.resolve("run/api.sock"), root.resolve("state"));
        // Heartbeat 1 s × 3 keeps the freeze test short; a healthy agent answers in milliseconds.
        daemon.vmSettings = VmSettings.defaults("daemonvm").withStore(root.resolve("store"), root.resolve("cache"))
                .withHeartbeat(Duration.ofSeconds(1), 3);
        serving = Thread.ofVirtual().start(() -> {
            try {
                daemon.serve();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
            assertThat(serving.join(Duration.ofSeconds(30))).as("serve() returned after close").isTrue();
        }
        if (root != null) {
            try (var walk = Files.walk(root)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** One command's streams and end, as pushed to the connection that started it. */
    private record Ran(int status, int signal, String reason, String stdout, String stderr) {
    }

    private static int ids;

    private static JsonNode call(TestClient c, String op, String fields) throws IOException {
        String id = "r" + (++ids);
        c.send("{\"id\":\"" + id + "\",\"op\":\"" + op + "\"" + (fields.isEmpty() ? "" : "," + fields) + "}");
        return c.reply(id);
    }

    private static JsonNode ok(JsonNode reply) {
        assertThat(reply.get("ok").asBoolean()).as(reply.toString()).isTrue();
        return reply.get("result");
    }

    /** Starts a command and collects its output events until its exit event. */
    private static Ran exec(TestClient c, String session, String argvJson) throws IOException {
        String pid = ok(call(c, "exec", "\"session\":\"" + session + "\",\"argv\":" + argvJson)).get("process").asString();
        return collect(c, pid);
    }

    private static Ran collect(TestClient c, String pid) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        while (true) {
            JsonNode n = c.next();
            assertThat(n).as("connection open while waiting for " + pid).isNotNull();
            if (!n.has("process") || !pid.equals(n.get("process").asString()) || !n.has("event")) {
                continue;
            }
            switch (n.get("event").asString()) {
                case "output" -> {
                    byte[] data = Base64.getDecoder().decode(n.get("data").asString());
                    (n.get("stream").asString().equals("stdout") ? out : err).writeBytes(data);
                }
                case "exit" -> {
                    return new Ran(n.get("status").asInt(), n.get("signal").asInt(), n.get("reason").asString(),
                            out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
                }
                default -> {
                    // process started, violations: not what this test counts
                }
            }
        }
    }

    @Test
    void vmSessionRunsCommandsInTheGuestAndSharesItsReadWriteFolder() throws Exception {
        Path work = Files.createDirectories(root.resolve("Work"));
        try (TestClient c = new TestClient(daemon.socket())) {
            JsonNode created = ok(call(c, "session.create", "\"session\":\"vm-daemon\",\"tier\":\"vm\",\"folders\":[\""
                    + work + ":rw\"]"));
            assertThat(created.get("tier").asString()).isEqualTo("vm");
            assertThat(created.get("restarts").asInt()).isZero();
            assertThat(created.get("lastCause").isNull()).isTrue();

            Ran uname = exec(c, "vm-daemon", "[\"uname\",\"-r\"]");
            assertThat(uname.status()).as(uname.stderr()).isZero();
            assertThat(uname.stdout().strip()).isEqualTo(image.manifest().kernelRelease());
            String host = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
            if (!host.equals(image.manifest().kernelRelease())) {
                assertThat(uname.stdout().strip()).isNotEqualTo(host);
            }

            Ran failing = exec(c, "vm-daemon", "[\"sh\",\"-c\",\"echo out; echo oops >&2; exit 3\"]");
            assertThat(failing.status()).isEqualTo(3);
            assertThat(failing.reason()).isEqualTo("exited");
            assertThat(failing.stdout()).isEqualTo("out\n");
            assertThat(failing.stderr()).isEqualTo("oops\n");

            // A signal sent through the daemon reaches the command in the guest.
            String sleeper = ok(call(c, "exec", "\"session\":\"vm-daemon\",\"argv\":[\"sh\",\"-c\",\"echo up; exec sleep 60\"]"))
                    .get("process").asString();
            JsonNode first;
            do {
                first = c.next();
            } while (!(first.has("event") && first.get("event").asString().equals("output")
                    && sleeper.equals(first.get("process").asString())));
            assertThat(ok(call(c, "signal", "\"process\":\"" + sleeper + "\",\"signal\":15")).get("signalled").asInt())
                    .isEqualTo(1);
            Ran signalled = collect(c, sleeper);
            assertThat(signalled.signal()).isEqualTo(15);
            assertThat(signalled.status()).isEqualTo(143);
            assertThat(signalled.reason()).isEqualTo("signaled");

            Ran wrote = exec(c, "vm-daemon", "[\"sh\",\"-c\",\"echo written in the guest > from-guest.txt\"]");
            assertThat(wrote.status()).as(wrote.stderr()).isZero();
            assertThat(Files.readString(work.resolve("from-guest.txt"))).isEqualTo("written in the guest\n");
            JsonNode read = ok(call(c, "file.read", "\"session\":\"vm-daemon\",\"path\":"
                    + "\"/sessions/vm-daemon/mnt/Work/from-guest.txt\""));
            assertThat(new String(Base64.getDecoder().decode(read.get("data").asString()), StandardCharsets.UTF_8))
                    .isEqualTo("written in the guest\n");

            JsonNode tty = call(c, "exec", "\"session\":\"vm-daemon\",\"argv\":[\"sh\"],\"tty\":{\"rows\":24,\"cols\":80}");
            assertThat(tty.get("ok").asBoolean()).isFalse();
            assertThat(tty.get("error").asString()).isEqualTo("not-supported");

            JsonNode inspect = ok(call(c, "session.inspect", "\"session\":\"vm-daemon\""));
            assertThat(inspect.get("tier").asString()).isEqualTo("vm");
            assertThat(inspect.get("restarts").asInt()).isZero();
            assertThat(inspect.get("lastCause").isNull()).isTrue();
            assertThat(inspect.get("processes").size()).isEqualTo(4);

            ok(call(c, "session.destroy", "\"session\":\"vm-daemon\""));
        }
    }

    @Test
    void frozenVmIsReportedToFollowersRestartedAndCountedByInspect() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            ok(call(c, "session.create", "\"session\":\"vm-freeze\",\"tier\":\"vm\",\"subscribe\":true"));
            String sleeper = ok(call(c, "exec", "\"session\":\"vm-freeze\",\"argv\":[\"sleep\",\"120\"]"))
                    .get("process").asString();
            // Freeze the guest (QMP stop): its heartbeats go unanswered.
            daemon.sessions.get("vm-freeze").sandbox.vm().orElseThrow().vm().pause();
            JsonNode failed = null;
            JsonNode restarted = null;
            JsonNode exit = null;
            while (restarted == null || exit == null) {
                JsonNode n = c.next();
                assertThat(n).as("connection open while waiting for the restart").isNotNull();
                String event = n.has("event") ? n.get("event").asString() : "";
                if (event.equals("vm") && n.get("action").asString().equals("failed")) {
                    failed = n;
                } else if (event.equals("vm") && n.get("action").asString().equals("restarted")) {
                    restarted = n;
                } else if (event.equals("exit") && sleeper.equals(n.get("process").asString())) {
                    exit = n;
                }
            }
            assertThat(failed).as("failed before restarted").isNotNull();
            assertThat(failed.get("session").asString()).isEqualTo("vm-freeze");
            assertThat(failed.get("restarts").asInt()).isZero();
            assertThat(failed.get("cause").asString()).contains("heartbeat");
            assertThat(restarted.get("restarts").asInt()).isEqualTo(1);
            assertThat(exit.get("status").asInt()).isEqualTo(125);
            assertThat(exit.get("reason").asString()).isEqualTo("lost");

            JsonNode inspect = ok(call(c, "session.inspect", "\"session\":\"vm-freeze\""));
            assertThat(inspect.get("restarts").asInt()).isEqualTo(1);
            assertThat(inspect.get("lastCause").asString()).contains("heartbeat");
            Ran after = exec(c, "vm-freeze", "[\"hostname\"]");
            assertThat(after.status()).as(after.stderr()).isZero();
            assertThat(after.stdout().strip()).isEqualTo("vm-freeze");
            ok(call(c, "session.destroy", "\"session\":\"vm-freeze\""));
        }
    }

    @Test
    void sdkOpensAVmSessionWhenAskedForTheVmTier() throws Exception {
        Path folder = Files.createDirectories(root.resolve("sdk-folder"));
        Files.writeString(folder.resolve("in.txt"), "from the host\n");
        try (dev.palisade.sdk.Palisade p = dev.palisade.sdk.Palisade.connect(root.resolve("run/api.sock"));
                dev.palisade.sdk.Session s = p.createSession(
                        dev.palisade.sdk.SessionOptions.of(folder + ":ro").withTier("vm"))) {
            assertThat(s.info().tier()).isEqualTo("vm");
            String mounted = s.info().folders().getFirst().sandbox();
            StringBuffer out = new StringBuffer();
            dev.palisade.sdk.SandboxProcess proc = s.exec("sh", "-c", "uname -r; cat " + mounted + "/in.txt");
            proc.onOutput(chunk -> out.append(chunk.text()));
            assertThat(proc.waitFor().status()).isZero();
            assertThat(out.toString()).isEqualTo(image.manifest().kernelRelease() + "\nfrom the host\n");
        }
    }

    @Test
    void vmSessionRefusesLimitsTheGuestCannotEnforceBeforeBooting() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            JsonNode r = call(c, "session.create", "\"tier\":\"vm\",\"policy\":{\"limits\":{\"memory\":\"256M\"}}");
            assertThat(r.get("ok").asBoolean()).isFalse();
            assertThat(r.get("error").asString()).isEqualTo("session-failed");
            assertThat(r.get("message").asString()).contains("not enforced by the vm tier");
            JsonNode bad = call(c, "session.create", "\"tier\":\"direct\"");
            assertThat(bad.get("error").asString()).isEqualTo("wrong-type");
        }
    }
}
