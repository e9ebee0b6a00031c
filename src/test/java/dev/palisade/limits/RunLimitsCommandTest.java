package dev.palisade.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Cli;
import dev.palisade.testing.SandboxPrerequisites;

/** The limit flags of {@code palisade run}, through the real launcher: statuses, events, refusals. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunLimitsCommandTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void bwrap() {
        SandboxPrerequisites.requireBwrap();
    }

    @Test
    void timeoutExits124WithATimeoutExitEvent() throws Exception {
        Cli.Result r = Cli.run(tmp, "run", "--timeout", "1s", "--events", "-", "--", "sleep", "30");
        assertThat(r.status()).isEqualTo(124);
        assertThat(r.stdout()).contains("\"type\":\"exit\"").contains("\"reason\":\"timeout\"").contains("\"status\":124");
        assertThat(r.stderr()).contains("ran out of time");
    }

    @Test
    void outputCapOnInheritedStdoutDeliversExactlyTheCapAndExits137() throws Exception {
        Path events = tmp.resolve("events.jsonl");
        Cli.Result r = Cli.run(tmp, "run", "--max-output", "100K", "--events", events.toString(), "--", "yes", "abc");
        assertThat(r.status()).isEqualTo(137);
        assertThat(r.stdout()).hasSize(100 * 1024);
        assertThat(r.stdout().replace("abc\n", "")).isEqualTo("abc\n".substring(0, (100 * 1024) % 4));
        assertThat(Files.readString(events)).contains("\"reason\":\"output\"");
    }

    @Test
    void withoutACapOutputIsUntouched() throws Exception {
        Cli.Result r = Cli.run(tmp, "run", "--max-output", "1M", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).contains("err\n");
    }

    @Test
    void limitThatCannotBeEnforcedIsRefusedWith125UnlessWeakerLimitsAreAllowed() throws Exception {
        Cli.Result refused = Cli.run(tmp, "run", "--tier", "direct", "--pids", "64", "--", "true");
        assertThat(refused.status()).isEqualTo(125);
        assertThat(refused.stderr()).contains("cannot enforce").contains("direct tier").contains("--allow-weaker-limits");
        Cli.Result weaker = Cli.run(tmp, "run", "--tier", "direct", "--pids", "64", "--allow-weaker-limits", "--", "true");
        assertThat(weaker.status()).isZero();
        assertThat(weaker.stderr()).contains("weaker limit");
    }

    @Test
    void malformedLimitIsRefusedWith125() throws Exception {
        Cli.Result r = Cli.run(tmp, "run", "--memory", "lots", "--", "true");
        assertThat(r.status()).isEqualTo(125);
        assertThat(r.stderr()).contains("not a size");
    }

    @Test
    void policyLimitsApplyAndFlagsOverrideThem() throws Exception {
        Path policy = tmp.resolve("p.json");
        Files.writeString(policy, "{\"limits\": {\"openFiles\": 100, \"tmpSize\": \"1M\"}}");
        Cli.Result r = Cli.run(tmp, "run", "--policy", policy.toString(), "--open-files", "50", "--",
                "sh", "-c", "ulimit -n; df -k /tmp | tail -1");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).startsWith("50\n").contains(" 1024 ");
    }
}
