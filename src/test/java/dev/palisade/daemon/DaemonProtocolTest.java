package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

/** Protocol errors get a reply that names them, and the connection stays usable. */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DaemonProtocolTest {
    @TempDir
    Path tmp;
    Daemon daemon;
    Thread serving;

    @BeforeEach
    void start() throws Exception {
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
        daemon.close();
        assertThat(serving.join(java.time.Duration.ofSeconds(10))).as("serve() returned after close").isTrue();
    }

    @Test
    void socketIsOwnerOnlyInAnOwnerOnlyFolder() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket().getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void eachProtocolErrorIsNamedAndTheConnectionStaysUsable() throws Exception {
        try (TestClient c = new TestClient(daemon.socket())) {
            c.send("{not json");
            assertThat(c.next().get("error").asString()).isEqualTo("malformed-json");
            c.send("[1,2]");
            assertThat(c.next().get("error").asString()).isEqualTo("not-an-object");
            c.send("{\"op\":\"session.list\"}");
            assertThat(c.next().get("error").asString()).isEqualTo("missing-id");
            c.send("{\"id\":\"a\",\"op\":\"fly\"}");
            JsonNode unknown = c.next();
            assertThat(unknown.get("error").asString()).isEqualTo("unknown-op");
            assertThat(unknown.get("id").asString()).isEqualTo("a");
            c.send("{\"id\":\"b\",\"op\":\"exec\",\"session\":42}");
            assertThat(c.next().get("error").asString()).isEqualTo("wrong-type");
            c.send("{\"id\":\"c\",\"op\":\"session.inspect\",\"session\":\"no-such\"}");
            assertThat(c.next().get("error").asString()).isEqualTo("no-such-session");
            byte[] big = new byte[RequestDecoder.MAX_FRAME + 100];
            java.util.Arrays.fill(big, (byte) 'x');
            big[big.length - 1] = '\n';
            c.sendRaw(big);
            assertThat(c.next().get("error").asString()).isEqualTo("frame-too-large");
            c.send("{\"id\":7,\"op\":\"session.list\"}");
            JsonNode ok = c.next();
            assertThat(ok.get("ok").asBoolean()).isTrue();
            assertThat(ok.get("id").asString()).isEqualTo("7");
            assertThat(ok.get("result").get("sessions").isArray()).isTrue();
        }
    }

    @Test
    void aStaleRecordIsReportedAndClearedOnTheNextStart() throws Exception {
        daemon.close();
        serving.join();
        Path records = tmp.resolve("state/sessions");
        Files.writeString(records.resolve("gentle-curie.json"), "{}");
        daemon = Daemon.bind(tmp.resolve("run/api.sock"), tmp.resolve("state"));
        serving = Thread.ofVirtual().start(() -> {
            try {
                daemon.serve();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(daemon.recovered()).containsExactly("gentle-curie");
        assertThat(records.resolve("gentle-curie.json")).doesNotExist();
    }
}
