package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * Pushed events of a real daemon over its socket: violations (network proxy, file API), session
 * state, {@code session.subscribe} with replay, and the protocol fixes for {@code wait} and
 * {@code subscribe}.
 */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DaemonEventsTest {
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
            assertThat(serving.join(java.time.Duration.ofSeconds(10))).isTrue();
        }
    }

    private static ObjectNode req(String id, String op) {
        return RequestDecoder.JSON.createObjectNode().put("id", id).put("op", op);
    }

    private static JsonNode ok(TestClient c, ObjectNode r) throws Exception {
        c.send(RequestDecoder.JSON.writeValueAsString(r));
        JsonNode reply = c.reply(r.get("id").asString());
        assertThat(reply.get("ok").asBoolean()).as(reply.toString()).isTrue();
        return reply.get("result");
    }

    private String session(TestClient c, String policy, Path folder) throws Exception {
        ObjectNode create = req("c", "session.create");
        if (folder != null) {
            create.putArray("folders").add(folder + ":rw");
        }
        if (policy != null) {
            create.set("policy", RequestDecoder.JSON.readTree(policy));
        }
        return ok(c, create).get("session").asString();
    }

    private static String exec(TestClient c, String id, String session, String script) throws Exception {
        ObjectNode e = req(id, "exec").put("session", session);
        e.putArray("argv").add("/bin/sh").add("-c").add(script);
        return ok(c, e).get("process").asString();
    }

    /** Events until (and with) the one matching, in order. */
    private static List<JsonNode> until(TestClient c, java.util.function.Predicate<JsonNode> last) throws Exception {
        List<JsonNode> seen = new ArrayList<>();
        while (true) {
            JsonNode n = c.next();
            assertThat(n).as("connection ended; seen " + seen).isNotNull();
            seen.add(n);
            if (last.test(n)) {
                return seen;
            }
        }
    }

    private static String stdout(List<JsonNode> events, String process) {
        StringBuilder b = new StringBuilder();
        for (JsonNode n : events) {
            if (n.path("event").asString("").equals("output") && n.path("process").asString("").equals(process)
                    && n.path("stream").asString("").equals("stdout")) {
                b.append(new String(Base64.getDecoder().decode(n.get("data").asString()), StandardCharsets.UTF_8));
            }
        }
        return b.toString();
    }

    private static boolean isExit(JsonNode n, String process) {
        return n.path("event").asString("").equals("exit") && n.path("process").asString("").equals(process);
    }

    @Test
    void proxyDenialOfADeniedHostIsPushedAsAViolationOfTheProcess() throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/curl")), "/usr/bin/curl (visible inside the sandbox)");
        try (TestClient c = new TestClient(daemon.socket())) {
            String s = session(c, """
                    {"network": {"allowedDomains": ["allowed.test"]}}""", null);
            String p = exec(c, "e", s, "curl -sS --max-time 10 -o /dev/null -w '%{http_code}' http://denied.test/x; echo");
            List<JsonNode> events = until(c, n -> isExit(n, p));
            // The proxy answers 403; the command itself sees only the refusal.
            assertThat(stdout(events, p)).isEqualTo("403\n");
            assertThat(events).filteredOn(n -> n.path("event").asString("").equals("violation")).singleElement()
                    .satisfies(v -> {
                        assertThat(v.get("session").asString()).isEqualTo(s);
                        assertThat(v.get("process").asString()).isEqualTo(p);
                        assertThat(v.get("layer").asString()).isEqualTo("network");
                        assertThat(v.get("action").asString()).isEqualTo("connect");
                        assertThat(v.get("target").asString()).isEqualTo("denied.test:80");
                        assertThat(v.get("rule").asString()).isEqualTo("not in network.allowedDomains");
                    });
        }
    }

    @Test
    void commandStoppedByItsTimeoutIsALimitsViolationBeforeItsExit() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            String s = session(c, """
                    {"limits": {"timeout": "1s"}}""", null);
            String p = exec(c, "e", s, "exec sleep 30");
            List<JsonNode> events = until(c, n -> isExit(n, p));
            JsonNode exit = events.getLast();
            assertThat(exit.get("reason").asString()).isEqualTo("timeout");
            JsonNode v = events.get(events.size() - 2);
            assertThat(v.get("event").asString()).isEqualTo("violation");
            assertThat(v.get("process").asString()).isEqualTo(p);
            assertThat(v.get("layer").asString()).isEqualTo("limits");
            assertThat(v.get("action").asString()).isEqualTo("timeout");
            assertThat(v.get("target").asString()).isEqualTo("/bin/sh");
            assertThat(v.get("rule").asString()).isEqualTo(exit.get("message").asString()).contains("ran out of time");
        }
    }

    @Test
    void commandKilledByItsSeccompProfileIsASeccompViolation() throws Exception {
        Path profile = Files.writeString(tmp.resolve("kill-uname.json"), """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_KILL_PROCESS"}]}""");
        try (TestClient c = new TestClient(daemon.socket())) {
            String s = session(c, "{\"seccomp\": \"" + profile + "\"}", null);
            ObjectNode e = req("e", "exec").put("session", s);
            e.putArray("argv").add("uname");
            String p = ok(c, e).get("process").asString();
            List<JsonNode> events = until(c, n -> isExit(n, p));
            assertThat(events.getLast().get("signal").asInt()).as(events.toString()).isEqualTo(31);
            JsonNode v = events.get(events.size() - 2);
            assertThat(v.get("layer").asString()).as(v.toString()).isEqualTo("seccomp");
            assertThat(v.get("action").asString()).isEqualTo("kill");
            assertThat(v.get("target").asString()).isEqualTo("uname");
            // The positive half: a command that does not make the call runs.
            String ok = exec(c, "f", s, "echo fine");
            assertThat(stdout(until(c, n -> isExit(n, ok)), ok)).isEqualTo("fine\n");
        }
    }

    @Test
    void fileApiRefusalIsAViolationForTheSessionsFollowers() throws Exception {
        Path proj = Files.createDirectories(tmp.resolve("proj")).toRealPath();
        try (TestClient c = new TestClient(daemon.socket()); TestClient watcher = new TestClient(daemon.socket())) {
            String s = session(c, null, proj);
            ok(watcher, req("w", "session.subscribe").put("session", s));
            ObjectNode write = req("f", "file.write").put("session", s).put("path", proj + "/../escape.txt").put("data", "aGkK");
            c.send(RequestDecoder.JSON.writeValueAsString(write));
            assertThat(c.reply("f").get("error").asString()).isEqualTo("path-traversal");
            // A legitimate write is no violation: the next event the watcher sees is the refusal's.
            ok(c, req("g", "file.write").put("session", s).put("path", proj + "/fine.txt").put("data", "aGkK"));
            JsonNode v = watcher.next();
            assertThat(v.get("event").asString()).isEqualTo("violation");
            assertThat(v.get("layer").asString()).isEqualTo("file-api");
            assertThat(v.get("action").asString()).isEqualTo("write");
            assertThat(v.get("target").asString()).isEqualTo(proj + "/../escape.txt");
            assertThat(v.get("rule").asString()).startsWith("path-traversal");
            assertThat(v.has("process")).isFalse();
            assertThat(Files.exists(tmp.resolve("escape.txt"))).isFalse();
        }
    }

    @Test
    void waitDoesNotHoldUpTheConnectionsOtherRequests() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            String s = session(c, null, null);
            String p = exec(c, "e", s, "echo up; exec sleep 600");
            until(c, n -> n.path("event").asString("").equals("output")); // it runs
            c.send(RequestDecoder.JSON.writeValueAsString(req("w", "wait").put("process", p)));
            // Answered while the wait is pending.
            JsonNode list = ok(c, req("l", "session.list"));
            assertThat(list.get("sessions").toString()).contains(s);
            assertThat(ok(c, req("k", "signal").put("process", p).put("signal", 9)).get("signalled").asInt()).isEqualTo(1);
            JsonNode w = c.reply("w");
            assertThat(w.get("result").get("status").asInt()).isEqualTo(137);
            assertThat(w.get("result").get("signal").asInt()).isEqualTo(9);
        }
    }

    @Test
    void subscribingToAnEndedProcessPushesItsExit() throws Exception {
        try (TestClient c = new TestClient(daemon.socket()); TestClient late = new TestClient(daemon.socket())) {
            String s = session(c, null, null);
            String p = exec(c, "e", s, "exit 7");
            until(c, n -> isExit(n, p));
            late.send(RequestDecoder.JSON.writeValueAsString(req("s", "subscribe").put("process", p)));
            JsonNode reply = late.reply("s");
            assertThat(reply.get("result").get("running").asBoolean()).isFalse();
            assertThat(reply.get("result").get("status").asInt()).isEqualTo(7);
            assertThat(reply.get("result").get("reason").asString()).isEqualTo("exited");
            JsonNode exit = late.next();
            assertThat(isExit(exit, p)).as(exit.toString()).isTrue();
            assertThat(exit.get("status").asInt()).isEqualTo(7);
        }
    }

    @Test
    void sessionSubscribeReplaysHistoryThenFollowsNewProcessesAndState() throws Exception {
        try (TestClient c = new TestClient(daemon.socket()); TestClient logs = new TestClient(daemon.socket())) {
            String s = session(c, null, null);
            String p1 = exec(c, "e1", s, "echo before");
            until(c, n -> isExit(n, p1));
            ok(logs, req("s", "session.subscribe").put("session", s).put("replay", true));
            List<JsonNode> replay = until(logs, n -> isExit(n, p1));
            assertThat(replay.getFirst().get("event").asString()).isEqualTo("process");
            assertThat(replay.getFirst().get("argv").toString()).contains("echo before");
            assertThat(stdout(replay, p1)).isEqualTo("before\n");
            // A short command started later by another connection is not missed.
            String p2 = exec(c, "e2", s, "echo after; exit 4");
            List<JsonNode> live = until(logs, n -> isExit(n, p2));
            assertThat(live.getFirst().get("event").asString()).isEqualTo("process");
            assertThat(live.getFirst().get("process").asString()).isEqualTo(p2);
            assertThat(stdout(live, p2)).isEqualTo("after\n");
            assertThat(live.getLast().get("status").asInt()).isEqualTo(4);
            ok(c, req("d", "session.destroy").put("session", s));
            assertThat(logs.next().get("state").asString()).isEqualTo("closing");
            assertThat(logs.next().get("state").asString()).isEqualTo("closed");
        }
    }

    @Test
    void replaySendsNoSecondCopyOfAProcessTheConnectionAlreadyFollowed() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            String s = session(c, null, null);
            String p1 = exec(c, "e1", s, "echo mine");
            until(c, n -> isExit(n, p1));
            String p2 = exec(c, "e2", s, "echo also mine");
            until(c, n -> isExit(n, p2));
            ok(c, req("s", "session.subscribe").put("session", s).put("replay", true));
            // Only the two process events came before the reply: no output or exit again.
            String p3 = exec(c, "e3", s, "echo new");
            List<JsonNode> seen = until(c, n -> isExit(n, p3));
            assertThat(seen).filteredOn(n -> !n.path("process").asString("").equals(p3))
                    .extracting(n -> n.get("event").asString() + " " + n.get("process").asString())
                    .containsExactly("process " + p1, "process " + p2);
            assertThat(stdout(seen, p3)).isEqualTo("new\n");
        }
    }

    @Test
    void replayReportsWhatTheBoundedBufferDroppedBeforeTheRest() throws Exception {
        int total = 3 << 20;
        try (TestClient c = new TestClient(daemon.socket()); TestClient logs = new TestClient(daemon.socket())) {
            String s = session(c, null, null);
            ObjectNode e = req("e", "exec").put("session", s).put("subscribe", false);
            e.putArray("argv").add("head").add("-c").add(Integer.toString(total)).add("/dev/zero");
            String p = ok(c, e).get("process").asString();
            assertThat(ok(c, req("w", "wait").put("process", p)).get("status").asInt()).isZero();
            ok(logs, req("s", "session.subscribe").put("session", s).put("replay", true));
            List<JsonNode> replay = until(logs, n -> isExit(n, p));
            JsonNode lost = replay.getFirst();
            assertThat(lost.get("event").asString()).isEqualTo("lost");
            assertThat(lost.get("process").asString()).isEqualTo(p);
            long dropped = lost.get("bytes").asLong();
            long kept = 0;
            long firstOffset = -1;
            for (JsonNode n : replay) {
                if (n.path("event").asString("").equals("output")) {
                    if (firstOffset < 0) {
                        firstOffset = n.get("offset").asLong();
                    }
                    kept += Base64.getDecoder().decode(n.get("data").asString()).length;
                }
            }
            assertThat(kept).isPositive().isLessThanOrEqualTo(SessionEvents.REPLAY_BUDGET + DaemonProcess.PIPE_SIZE);
            assertThat(dropped + kept).isEqualTo(total);
            assertThat(firstOffset).isEqualTo(dropped);
        }
    }
}
