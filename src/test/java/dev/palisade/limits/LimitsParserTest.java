package dev.palisade.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.palisade.policy.Policy;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;

class LimitsParserTest {
    private final PolicyParser parser = new PolicyParser();

    @Test
    void readsEveryLimitWithUnits() throws Exception {
        Policy p = parser.parse("""
                {"limits": {"memory": "512M", "pids": 256, "cpus": 1.5, "timeout": "2s", "sessionTimeout": 3600,
                  "homeSize": "64MiB", "tmpSize": 1048576, "shmSize": "1g", "maxOutput": "10M", "openFiles": 1024,
                  "maxFileSize": "100M", "allowWeaker": true}}
                """);
        Limits l = p.limits();
        assertThat(l.memory()).isEqualTo(512L << 20);
        assertThat(l.pids()).isEqualTo(256);
        assertThat(l.cpus()).isEqualTo(1.5);
        assertThat(l.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(l.sessionTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(l.homeSize()).isEqualTo(64L << 20);
        assertThat(l.tmpSize()).isEqualTo(1L << 20);
        assertThat(l.shmSize()).isEqualTo(1L << 30);
        assertThat(l.maxOutput()).isEqualTo(10L << 20);
        assertThat(l.openFiles()).isEqualTo(1024);
        assertThat(l.maxFileSize()).isEqualTo(100L << 20);
        assertThat(l.allowWeaker()).isTrue();
    }

    @Test
    void noLimitsKeyMeansNoLimits() throws Exception {
        assertThat(parser.parse("{}").limits()).isEqualTo(Limits.NONE);
    }

    @Test
    void refusesUnknownKeyNamingIt() {
        assertThatThrownBy(() -> parser.parse("{\"limits\": {\"memroy\": \"1G\"}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("limits.memroy");
    }

    @Test
    void refusesWrongTypesAndBadValuesNamingTheKey() {
        assertThatThrownBy(() -> parser.parse("{\"limits\": {\"pids\": \"many\"}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("limits.pids");
        assertThatThrownBy(() -> parser.parse("{\"limits\": {\"memory\": \"lots\"}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("limits.memory");
        assertThatThrownBy(() -> parser.parse("{\"limits\": {\"pids\": -1}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("limits.pids");
        assertThatThrownBy(() -> parser.parse("{\"limits\": {\"memory\": 1000}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("too small");
        assertThatThrownBy(() -> parser.parse("{\"limits\": {\"timeout\": \"soon\"}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("limits.timeout");
        assertThatThrownBy(() -> parser.parse("{\"limits\": []}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("limits");
        assertThatThrownBy(() -> parser.parse("{\"limits\": {\"memory\": \"99999999999T\"}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("too large");
    }

    @Test
    void quantitiesUseBinarySuffixes() {
        assertThat(Quantities.bytes("4096")).isEqualTo(4096);
        assertThat(Quantities.bytes("10K")).isEqualTo(10240);
        assertThat(Quantities.bytes("10MiB")).isEqualTo(10L << 20);
        assertThat(Quantities.bytes("2GB")).isEqualTo(2L << 30);
        assertThat(Quantities.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Quantities.duration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Quantities.duration("7")).isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> Quantities.bytes("-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Quantities.duration("2 days")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void commandLineFlagsOverrideThePolicy() {
        Limits policy = new Limits(1L << 30, 100, 0, Duration.ofSeconds(60), Duration.ZERO, 0, 0, 0, 0, 0, 0, false);
        Limits flags = new Limits(0, 256, 0, Duration.ofSeconds(2), Duration.ZERO, 0, 0, 0, 0, 0, 0, true);
        Limits merged = policy.overriddenBy(flags);
        assertThat(merged.memory()).isEqualTo(1L << 30);
        assertThat(merged.pids()).isEqualTo(256);
        assertThat(merged.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(merged.allowWeaker()).isTrue();
    }
}
