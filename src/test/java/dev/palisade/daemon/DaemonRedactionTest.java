package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

/**
 * A session created with a policy that has a credential: whatever a command prints of the real
 * secret or of its placeholder reaches the client as {@code [REDACTED:NAME]}, also when the
 * secret is cut across two pipe reads.
 */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DaemonRedactionTest {
    static final String SECRET = "ghp_s3cr3tValue0123456789abcdefXYZ";

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

    @Test
    void secretAndPlaceholderPrintedByACommandAreRedacted() throws Exception {
        Path secretFile = Files.writeString(Files.createDirectories(tmp.resolve("secrets")).resolve("token"), SECRET + "\n");
        Path proj = Files.createDirectories(tmp.resolve("proj")).toRealPath();
        // The real secret leaked into a file the sandbox can read (the broker never puts it there).
        Files.writeString(proj.resolve("leak.txt"), "found: " + SECRET + " in a log\n");
        try (TestClient c = new TestClient(daemon.socket())) {
            ObjectNode create = RequestDecoder.JSON.createObjectNode().put("id", "1").put("op", "session.create");
            create.putArray("folders").add(proj + ":rw");
            create.set("policy", RequestDecoder.JSON.readTree("""
                    {"network": {"allowedDomains": ["api.github.com"]},
                     "credentials": [{"name": "GH_TOKEN", "hosts": ["api.github.com"],
                                      "source": {"file": "%s"}, "header": "Authorization: Bearer {}"}]}
                    """.formatted(secretFile)));
            c.send(RequestDecoder.JSON.writeValueAsString(create));
            JsonNode created = c.reply("1");
            assertThat(created.get("ok").asBoolean()).as(created.toString()).isTrue();
            String s = created.get("result").get("session").asString();
            int half = SECRET.length() / 2;
            ObjectNode exec = RequestDecoder.JSON.createObjectNode().put("id", "2").put("op", "exec").put("session", s);
            // The second half comes 300 ms after the first: two writes, two pipe reads, two chunks.
            exec.putArray("argv").add("/bin/sh").add("-c").add("echo \"token=$GH_TOKEN\"; cat leak.txt;"
                    + " printf 'split:%s' \"$A\"; sleep 0.3; printf '%s:end\\n' \"$B\"; echo \"$GH_TOKEN\" >&2");
            exec.putObject("env").put("A", SECRET.substring(0, half)).put("B", SECRET.substring(half));
            c.send(RequestDecoder.JSON.writeValueAsString(exec));
            String p = c.reply("2").get("result").get("process").asString();
            StringBuilder out = new StringBuilder();
            StringBuilder err = new StringBuilder();
            int stdoutChunks = 0;
            while (true) {
                JsonNode ev = c.next();
                if (!p.equals(ev.path("process").asString(""))) {
                    continue;
                }
                if ("output".equals(ev.path("event").asString(""))) {
                    String text = new String(Base64.getDecoder().decode(ev.get("data").asString()), StandardCharsets.UTF_8);
                    if (ev.get("stream").asString().equals("stdout")) {
                        out.append(text);
                        stdoutChunks++;
                    } else {
                        err.append(text);
                    }
                } else if ("exit".equals(ev.path("event").asString(""))) {
                    assertThat(ev.get("status").asInt()).as(out + "/" + err).isZero();
                    break;
                }
            }
            assertThat(out.toString()).isEqualTo("token=[REDACTED:GH_TOKEN]\nfound: [REDACTED:GH_TOKEN] in a log\n"
                    + "split:[REDACTED:GH_TOKEN]:end\n");
            assertThat(err.toString()).isEqualTo("[REDACTED:GH_TOKEN]\n");
            assertThat(stdoutChunks).as("the split secret arrived in separate reads").isGreaterThanOrEqualTo(2);
        }
    }
}
