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

/** {@code exec} with a tty and {@code resize}, in a real sandbox through a real daemon. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DaemonTtyTest {
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

    /** Reads output events of {@code p} until the text so far contains {@code wanted}; returns the text. */
    private static String readUntil(TestClient c, String p, StringBuilder text, String wanted) throws Exception {
        while (!text.toString().contains(wanted)) {
            JsonNode n = c.next();
            assertThat(n).as("ended before '" + wanted + "' in: " + text).isNotNull();
            assertThat(n.get("event").asString()).as("before '" + wanted + "' in: " + text + "; got " + n).isNotEqualTo("exit");
            if (n.get("event").asString().equals("output") && n.get("process").asString().equals(p)) {
                assertThat(n.get("stream").asString()).isEqualTo("stdout"); // a tty is one stream
                text.append(new String(Base64.getDecoder().decode(n.get("data").asString()), StandardCharsets.UTF_8));
            }
        }
        return text.toString();
    }

    @Test
    void commandRunsOnATerminalOfTheRequestedSizeAndSeesResize() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            String s = ok(c, req("c", "session.create")).get("session").asString();
            ObjectNode e = req("e", "exec").put("session", s).put("stdin", "pipe");
            e.putObject("tty").put("rows", 33).put("cols", 101);
            e.putArray("argv").add("/bin/sh").add("-c").add(
                    "test -t 0 && test -t 1 && test -t 2 && echo all-ttys; echo >&2 err-too; stty size; read x; stty size");
            String p = ok(c, e).get("process").asString();
            StringBuilder out = new StringBuilder();
            readUntil(c, p, out, "33 101");
            assertThat(out.toString()).contains("all-ttys\r\n", "err-too\r\n");
            ok(c, req("r", "resize").put("process", p).put("rows", 40).put("cols", 120));
            ok(c, req("w", "stdin.write").put("process", p).put("data", Base64.getEncoder().encodeToString("go\n".getBytes(StandardCharsets.US_ASCII))));
            readUntil(c, p, out, "40 120");
            JsonNode exit;
            do {
                exit = c.next();
            } while (!exit.get("event").asString().equals("exit"));
            assertThat(exit.get("status").asInt()).isZero();
        }
    }

    @Test
    void resizeSignalsTheCommandWithSigwinch() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            String s = ok(c, req("c", "session.create")).get("session").asString();
            ObjectNode e = req("e", "exec").put("session", s);
            e.putObject("tty").put("rows", 10).put("cols", 20);
            e.putArray("argv").add("/bin/sh").add("-c").add(
                    "trap 'echo winch; stty size' WINCH; echo ready; while :; do sleep 0.05; done");
            String p = ok(c, e).get("process").asString();
            StringBuilder out = new StringBuilder();
            readUntil(c, p, out, "ready");
            ok(c, req("r", "resize").put("process", p).put("rows", 50).put("cols", 60));
            readUntil(c, p, out, "winch\r\n50 60");
            ok(c, req("k", "signal").put("process", p).put("signal", 9));
        }
    }

    @Test
    void commandOnItsTtyCannotInjectInputAndHasNoControllingTerminal() throws Exception {
        dev.palisade.testing.Prerequisites.require(java.nio.file.Files.isExecutable(Path.of("/usr/bin/python3")),
                "/usr/bin/python3 (visible inside the sandbox)");
        try (TestClient c = new TestClient(daemon.socket())) {
            String s = ok(c, req("c", "session.create")).get("session").asString();
            ObjectNode e = req("e", "exec").put("session", s);
            e.putObject("tty").put("rows", 24).put("cols", 80);
            e.putArray("argv").add("/usr/bin/python3").add("-c").add("""
                    import fcntl, os, termios
                    print("isatty", os.isatty(0))
                    try:
                        fcntl.ioctl(0, termios.TIOCSTI, b"X")
                        print("injected")
                    except OSError as e:
                        print("TIOCSTI refused", e.errno)
                    try:
                        os.open("/dev/tty", os.O_RDWR)
                        print("has a controlling terminal")
                    except OSError as e:
                        print("no controlling terminal", e.errno)
                    print("done")
                    """);
            String p = ok(c, e).get("process").asString();
            String out = readUntil(c, p, new StringBuilder(), "done");
            // The positive half: it is on a terminal. The attack: TIOCSTI (EPERM: not its controlling
            // terminal, and the seccomp profile refuses the ioctl) and no /dev/tty (ENXIO).
            assertThat(out).contains("isatty True", "TIOCSTI refused 1", "no controlling terminal 6")
                    .doesNotContain("injected").doesNotContain("has a controlling terminal");
        }
    }

    @Test
    void resizeOfAPipeProcessIsRefused() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            String s = ok(c, req("c", "session.create")).get("session").asString();
            ObjectNode e = req("e", "exec").put("session", s);
            e.putArray("argv").add("true");
            String p = ok(c, e).get("process").asString();
            c.send(RequestDecoder.JSON.writeValueAsString(req("r", "resize").put("process", p).put("rows", 5).put("cols", 5)));
            assertThat(c.reply("r").get("error").asString()).isEqualTo("not-a-tty");
            ObjectNode bad = req("b", "exec").put("session", s);
            bad.putObject("tty").put("rows", 0).put("cols", 5);
            bad.putArray("argv").add("true");
            c.send(RequestDecoder.JSON.writeValueAsString(bad));
            assertThat(c.reply("b").get("error").asString()).isEqualTo("wrong-type");
        }
    }
}
