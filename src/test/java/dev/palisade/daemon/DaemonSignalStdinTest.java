package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.SandboxPrerequisites;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Signals reach the command's process group through the launcher's handle; stdin never blocks a connection. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DaemonSignalStdinTest {
    @TempDir
    Path tmp;
    Daemon daemon;
    Thread serving;
    TestClient c;
    String session;
    int ids;

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
        c = new TestClient(daemon.socket());
        session = ok(call(obj("session.create"))).get("session").asString();
    }

    @AfterEach
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
        if (daemon != null) {
            daemon.close();
            assertThat(serving.join(java.time.Duration.ofSeconds(10))).isTrue();
        }
    }

    private ObjectNode obj(String op) {
        ObjectNode n = RequestDecoder.JSON.createObjectNode().put("id", "r" + ++ids).put("op", op);
        if (session != null) {
            n.put("session", session);
        }
        return n;
    }

    private JsonNode call(ObjectNode r) throws Exception {
        c.send(RequestDecoder.JSON.writeValueAsString(r));
        return c.reply(r.get("id").asString());
    }

    private static JsonNode ok(JsonNode reply) {
        assertThat(reply.get("ok").asBoolean()).as(reply.toString()).isTrue();
        return reply.get("result");
    }

    private String exec(boolean stdinPipe, String script) throws Exception {
        ObjectNode e = obj("exec");
        e.putArray("argv").add("/bin/sh").add("-c").add(script);
        if (stdinPipe) {
            e.put("stdin", "pipe");
        }
        return ok(call(e)).get("process").asString();
    }

    /** Collects the stdout of a process until its exit event; returns "output|status". */
    private String outputUntilExit(String p) throws Exception {
        StringBuilder out = new StringBuilder();
        while (true) {
            JsonNode ev = c.next();
            if (!p.equals(ev.path("process").asString(""))) {
                continue;
            }
            if ("output".equals(ev.path("event").asString("")) && "stdout".equals(ev.get("stream").asString())) {
                out.append(new String(Base64.getDecoder().decode(ev.get("data").asString()), StandardCharsets.UTF_8));
            } else if ("exit".equals(ev.path("event").asString(""))) {
                return out + "|" + ev.get("status").asInt();
            }
        }
    }

    private void signalWhenRunning(String p, int sig) throws Exception {
        JsonNode r;
        do { // 0 until the command runs
            Thread.sleep(20);
            r = ok(call(obj("signal").put("process", p).put("signal", sig)));
        } while (r.get("signalled").asInt() == 0);
    }

    @Test
    void signalReachesTheWholeProcessGroupOfTheCommand() throws Exception {
        // sh defers its trap while it waits for the foreground sleep: only if the signal reaches the
        // sleep too (same process group) does the sleep end now, with 128+15.
        String p = exec(false, "trap 'echo trapped' TERM; echo ready; sleep 30; echo \"sleep status $?\"");
        while (true) { // the trap is set once "ready" is out
            JsonNode ev = c.next();
            if (p.equals(ev.path("process").asString("")) && "output".equals(ev.path("event").asString(""))) {
                assertThat(new String(Base64.getDecoder().decode(ev.get("data").asString()), StandardCharsets.UTF_8))
                        .isEqualTo("ready\n");
                break;
            }
        }
        long t0 = System.nanoTime();
        signalWhenRunning(p, 15);
        String result = outputUntilExit(p);
        assertThat(result).isEqualTo("trapped\nsleep status 143\n|0");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the command ended").isLessThan(15_000);
    }

    @Test
    void signalAfterTheCommandEndedSignalsNothing() throws Exception {
        String p = exec(false, "exit 0");
        ok(call(obj("wait").put("process", p)));
        assertThat(ok(call(obj("signal").put("process", p).put("signal", 9))).get("signalled").asInt()).isZero();
    }

    @Test
    void stdinOfACommandThatNeverReadsFillsUpWithoutBlockingTheConnection() throws Exception {
        String p = exec(true, "sleep 30");
        byte[] chunk = new byte[256 * 1024];
        String data = Base64.getEncoder().encodeToString(chunk);
        JsonNode r = null;
        int accepted = 0;
        for (int i = 0; i < 64; i++) {
            long t0 = System.nanoTime();
            r = call(obj("stdin.write").put("process", p).put("data", data));
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for one stdin.write reply").isLessThan(5_000);
            if (!r.get("ok").asBoolean()) {
                break;
            }
            accepted++;
        }
        assertThat(r.get("error").asString()).as(r.toString()).isEqualTo("stdin-full");
        // The pipe (64 KiB) and the queue (1 MiB) hold what was accepted; nothing beyond.
        assertThat(accepted * (long) chunk.length).isBetween((long) StdinPump.MAX_QUEUED, StdinPump.MAX_QUEUED + 1024L * 1024);
        // The same connection still answers at once.
        long t0 = System.nanoTime();
        ok(call(obj("session.list")));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
        signalWhenRunning(p, 9);
        assertThat(outputUntilExit(p)).isEqualTo("|137");
    }

    @Test
    void stdinIsDeliveredInOrderAndClosedAfterTheQueueDrains() throws Exception {
        String p = exec(true, "wc -c");
        byte[] chunk = new byte[100_000];
        String data = Base64.getEncoder().encodeToString(chunk);
        for (int i = 0; i < 8; i++) {
            ok(call(obj("stdin.write").put("process", p).put("data", data)));
        }
        ok(call(obj("stdin.close").put("process", p)));
        JsonNode late = call(obj("stdin.write").put("process", p).put("data", data));
        assertThat(late.get("error").asString()).isEqualTo("stdin-closed");
        assertThat(outputUntilExit(p).strip()).isEqualTo("800000\n|0");
    }
}
