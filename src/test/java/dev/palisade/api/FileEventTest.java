package dev.palisade.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class FileEventTest {
    @Test
    void rendersAsOneJsonLineWithHostPaths() {
        FileEvent e = new FileEvent(Instant.parse("2026-11-27T00:00:00Z"), "s-1", "renamed", "/h/b \"x\"", "/h/a",
                "file");
        assertThat(EventJson.toJson(e)).isEqualTo("{\"type\":\"file\",\"time\":\"2026-11-27T00:00:00Z\","
                + "\"session\":\"s-1\",\"action\":\"renamed\",\"path\":\"/h/b \\\"x\\\"\",\"fromPath\":\"/h/a\","
                + "\"kind\":\"file\"}");
        assertThat(EventJson.toJson(new FileEvent(Instant.EPOCH, "s", "modified", "/h/a", null, "file")))
                .contains("\"fromPath\":null");
    }

    @Test
    void rejectsUnknownActionsAndMisplacedFromPath() {
        assertThatThrownBy(() -> new FileEvent(Instant.EPOCH, "s", "touched", "/a", null, "file"))
                .hasMessageContaining("touched");
        assertThatThrownBy(() -> new FileEvent(Instant.EPOCH, "s", "modified", "/a", "/b", "file"))
                .hasMessageContaining("fromPath");
        assertThatThrownBy(() -> new FileEvent(Instant.EPOCH, "s", "renamed", "/a", null, "file"))
                .hasMessageContaining("fromPath");
    }
}
