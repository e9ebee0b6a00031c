package dev.palisade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CliLoggingTest {
    @Test
    void palisadeLogNamesTheLevelAndAnythingElseKeepsTheDefault() {
        assertThat(CliLogging.level(null, "WARNING")).isEqualTo("WARNING");
        assertThat(CliLogging.level("debug", "WARNING")).isEqualTo("ALL");
        assertThat(CliLogging.level(" Info ", "WARNING")).isEqualTo("INFO");
        assertThat(CliLogging.level("warn", "INFO")).isEqualTo("WARNING");
        assertThat(CliLogging.level("error", "INFO")).isEqualTo("SEVERE");
        assertThat(CliLogging.level("loud", "INFO")).isEqualTo("INFO");
    }
}
