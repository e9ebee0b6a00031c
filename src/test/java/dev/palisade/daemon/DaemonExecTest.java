package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Prerequisites;
import dev.palisade.testing.SandboxPrerequisites;
import tools.jackson.databind.JsonNode;

/** Sessions and commands driven through the daemon's socket, with real sandboxes. */
@Tag("sandbox")
// A separate thread, so even a test stuck in a call that ignores interrupts fails instead of hanging CI.
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DaemonExecTest {
    static final int SESSIONS = Integer.getInteger("palisade.test.sessions", 50);
    static final int EXECS = 10;
    static final int LINES = 200;

    @TempDir
    Path tmp;
    Daemon daemon;
    Thread serving;

    @BeforeEach
    void start() throws Exception {
        SandboxPrerequisites.requireBwrap();
        daemon = Daemon.bind(tmp.resolve("run/api.sock"), tmp.resolve("state"));
        serving = Thread.ofVirtual().start(() -> {
            try {
                daemon.serve();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @AfterEach
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
            assertThat(serving.join(java.time.Duration.ofSeconds(10))).as("serve() returned after close").isTrue();
        }
    }

    /** Per process and stream: the bytes received, and the next expected sequence number and offset. */
    private static final class Stream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long seq;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void manySessionsWithConcurrentCommandsDeliverEveryByteInOrderPerStream() throws Exception {
        long t0 = System.nanoTime();
        try (TestClient c = new TestClient(daemon.socket())) {
            List<String> sessions = new ArrayList<>();
            for (int s = 0; s < SESSIONS; s++) {
                c.send("{\"id\":\"c" + s + "\",\"op\":\"session.create\"}");
                JsonNode r = c.reply("c" + s);
                assertThat(r.get("ok").asBoolean()).as(r.toString()).isTrue();
                sessions.add(r.get("result").get("session").asString());
            }
            Map<String, Integer> expectedStatus = new HashMap<>();
            int n = 0;
            for (String s : sessions) {
                for (int e = 0; e < EXECS; e++) {
                    int status = (n++ % 7);
                    String script = "i=0; while [ $i -lt " + LINES + " ]; do echo out-" + e + "-$i; echo err-" + e
                            + "-$i >&2; i=$((i+1)); done; exit " + status;
                    c.send("{\"id\":\"x" + n + "\",\"op\":\"exec\",\"session\":\"" + s
                            + "\",\"argv\":[\"/bin/sh\",\"-c\",\"" + script + "\"]}");
                    JsonNode r = c.reply("x" + n);
                    assertThat(r.get("ok").asBoolean()).as(r.toString()).isTrue();
                    expectedStatus.put(r.get("result").get("process").asString(), status);
                }
            }
            Map<String, Stream> streams = new HashMap<>();
            Map<String, Integer> exits = new HashMap<>();
            while (exits.size() < expectedStatus.size()) {
                JsonNode ev = c.next();
                assertThat(ev).isNotNull();
                String type = ev.path("event").asString("");
                assertThat(type).as(ev.toString()).isNotEqualTo("lost");
                if (type.equals("output")) {
                    String key = ev.get("process").asString() + "/" + ev.get("stream").asString();
                    Stream st = streams.computeIfAbsent(key, k -> new Stream());
                    assertThat(ev.get("seq").asLong()).isEqualTo(st.seq++);
                    assertThat(ev.get("offset").asLong()).isEqualTo(st.bytes.size());
                    st.bytes.write(Base64.getDecoder().decode(ev.get("data").asString()));
                } else if (type.equals("exit")) {
                    exits.put(ev.get("process").asString(), ev.get("status").asInt());
                }
            }
            assertThat(exits).isEqualTo(expectedStatus);
            for (String p : expectedStatus.keySet()) {
                int e = Integer.parseInt(p.substring(p.lastIndexOf("/p") + 2)) - 1;
                StringBuilder out = new StringBuilder();
                StringBuilder err = new StringBuilder();
                for (int i = 0; i < LINES; i++) {
                    out.append("out-").append(e).append('-').append(i).append('\n');
                    err.append("err-").append(e).append('-').append(i).append('\n');
                }
                assertThat(streams.get(p + "/stdout").bytes.toString(StandardCharsets.UTF_8)).isEqualTo(out.toString());
                assertThat(streams.get(p + "/stderr").bytes.toString(StandardCharsets.UTF_8)).isEqualTo(err.toString());
            }
        }
        System.err.printf("daemon: %d sessions x %d execs in %d ms%n", SESSIONS, EXECS,
                (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void stdinPipeSignalAndWaitWork() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            c.send("{\"id\":\"1\",\"op\":\"session.create\",\"folders\":[\"" + tmp + ":rw\"]}");
            JsonNode created = c.reply("1");
            assertThat(created.get("ok").asBoolean()).as(created.toString()).isTrue();
            String s = created.get("result").get("session").asString();
            c.send("{\"id\":\"2\",\"op\":\"exec\",\"session\":\"" + s + "\",\"stdin\":\"pipe\",\"argv\":[\"cat\"]}");
            String p = c.reply("2").get("result").get("process").asString();
            c.send("{\"id\":\"3\",\"op\":\"stdin.write\",\"process\":\"" + p + "\",\"data\":\""
                    + Base64.getEncoder().encodeToString("hello\n".getBytes(StandardCharsets.UTF_8)) + "\"}");
            c.send("{\"id\":\"4\",\"op\":\"stdin.close\",\"process\":\"" + p + "\"}");
            c.send("{\"id\":\"5\",\"op\":\"wait\",\"process\":\"" + p + "\"}");
            JsonNode waited = c.reply("5");
            assertThat(waited.get("result").get("status").asInt()).isZero();
            c.send("{\"id\":\"6\",\"op\":\"exec\",\"session\":\"" + s + "\",\"argv\":[\"sleep\",\"60\"]}");
            String sleeper = c.reply("6").get("result").get("process").asString();
            JsonNode sig;
            do { // the command may not have started yet
                Thread.sleep(50);
                c.send("{\"id\":\"7\",\"op\":\"signal\",\"process\":\"" + sleeper + "\",\"signal\":15}");
                sig = c.reply("7");
            } while (sig.get("result").get("signalled").asInt() == 0);
            c.send("{\"id\":\"8\",\"op\":\"wait\",\"process\":\"" + sleeper + "\"}");
            assertThat(c.reply("8").get("result").get("status").asInt()).isEqualTo(128 + 15);
            // Output naming a sandbox path reaches the client as the host path.
            c.send("{\"id\":\"9\",\"op\":\"exec\",\"session\":\"" + s + "\",\"argv\":[\"pwd\"]}");
            String pwd = c.reply("9").get("result").get("process").asString();
            StringBuilder out = new StringBuilder();
            while (true) {
                JsonNode ev = c.next();
                if (pwd.equals(ev.path("process").asString("")) && "output".equals(ev.path("event").asString(""))) {
                    out.append(new String(Base64.getDecoder().decode(ev.get("data").asString()), StandardCharsets.UTF_8));
                }
                if (pwd.equals(ev.path("process").asString("")) && "exit".equals(ev.path("event").asString(""))) {
                    break;
                }
            }
            assertThat(out.toString()).isEqualTo(tmp.toRealPath() + "\n");
        }
    }

    @Test
    @Tag("root")
    void anotherUidIsRefused() throws Exception {
        Prerequisites.require(dev.palisade.sys.Libc.geteuid() == 0, "root, to connect as another uid");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux)");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 as the foreign client");
        Files.setPosixFilePermissions(daemon.socket().getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(daemon.socket(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        // Only the test's own folders below a top-level directory: never /tmp, /root or / themselves.
        for (Path p = daemon.socket().getParent().getParent(); p.getNameCount() > 1; p = p.getParent()) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        }
        // The file modes are opened on purpose so only SO_PEERCRED stands between uid 65534 and the API.
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/python3", "-c", "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n"
                        + "s.sendall(b'{\"id\":1,\"op\":\"session.list\"}\\n')\nprint(s.makefile().readline().strip())",
                daemon.socket().toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("\"error\":\"peer-uid\"").doesNotContain("\"ok\":true");
    }
}
