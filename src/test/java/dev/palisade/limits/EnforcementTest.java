package dev.palisade.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.palisade.sandbox.Tier;

/** Which mechanism enforces what, and refusals when none can, on hosts described by hand. */
class EnforcementTest {
    private static final Map<String, Path> ALL_V1 = Map.of("memory", Path.of("/m"), "pids", Path.of("/p"),
            "cpu", Path.of("/c"));

    private static Limits limits(long memory, int pids, double cpus, boolean weaker) {
        return new Limits(memory, pids, cpus, Duration.ZERO, Duration.ZERO, 0, 0, 0, 0, 0, 0, weaker);
    }

    @Test
    void cgroupsEnforceEverythingWhenWritable() throws Exception {
        Enforcement e = Enforcement.plan(limits(512L << 20, 256, 1, false), Tier.NAMESPACE,
                new Mechanisms(ALL_V1, true, true));
        assertThat(e.warnings()).isEmpty();
    }

    @Test
    void rootWithoutCgroupsCannotLimitProcessesOrMemoryAndSaysSo() {
        Mechanisms none = new Mechanisms(Map.of(), true, true);
        assertThatThrownBy(() -> Enforcement.plan(limits(0, 256, 0, false), Tier.NAMESPACE, none))
                .isInstanceOf(LimitsException.class).hasMessageContaining("pids")
                .hasMessageContaining("does not apply to root").hasMessageContaining("--allow-weaker-limits");
        assertThatThrownBy(() -> Enforcement.plan(limits(512L << 20, 0, 0, false), Tier.NAMESPACE, none))
                .isInstanceOf(LimitsException.class).hasMessageContaining("memory");
        assertThatThrownBy(() -> Enforcement.plan(limits(0, 0, 2, false), Tier.NAMESPACE, none))
                .isInstanceOf(LimitsException.class).hasMessageContaining("cpus");
    }

    @Test
    void ordinaryUserGetsPidsFromRlimitNprocButNotMemory() throws Exception {
        Mechanisms user = new Mechanisms(Map.of(), false, true);
        assertThat(Enforcement.plan(limits(0, 256, 0, false), Tier.NAMESPACE, user).warnings()).isEmpty();
        assertThatThrownBy(() -> Enforcement.plan(limits(512L << 20, 256, 0, false), Tier.NAMESPACE, user))
                .isInstanceOf(LimitsException.class).hasMessageContaining("memory");
        Mechanisms oldKernel = new Mechanisms(Map.of(), false, false);
        assertThatThrownBy(() -> Enforcement.plan(limits(0, 256, 0, false), Tier.NAMESPACE, oldKernel))
                .isInstanceOf(LimitsException.class).hasMessageContaining("5.14");
    }

    @Test
    void weakerLimitsRunWithAWarningPerMissingLimit() throws Exception {
        Mechanisms user = new Mechanisms(Map.of(), false, true);
        Enforcement e = Enforcement.plan(limits(512L << 20, 0, 1, true), Tier.NAMESPACE, user);
        assertThat(e.warnings()).hasSize(2);
        assertThat(e.warnings().get(0)).contains("memory").contains("RLIMIT_AS");
        assertThat(e.warnings().get(1)).contains("cpus");
    }

    @Test
    void directTierRefusesKernelLimitsButKeepsTimeouts() throws Exception {
        Mechanisms m = new Mechanisms(ALL_V1, true, true);
        assertThatThrownBy(() -> Enforcement.plan(limits(0, 256, 0, false), Tier.DIRECT, m))
                .isInstanceOf(LimitsException.class).hasMessageContaining("direct tier");
        Limits timeoutOnly = new Limits(0, 0, 0, Duration.ofSeconds(1), Duration.ZERO, 0, 0, 0, 1000, 0, 0, false);
        assertThat(Enforcement.plan(timeoutOnly, Tier.DIRECT, m).warnings()).isEmpty();
    }

    @Test
    void cgroupV2IsPreferredWhereItHasTheController() throws Exception {
        Mechanisms hybrid = new Mechanisms(Map.of("memory", Path.of("/m")), Path.of("/u/palisade"),
                java.util.Set.of("pids"), true, true, java.util.List.of());
        assertThat(hybrid.cgroupFor("pids")).isEqualTo("v2");
        assertThat(hybrid.cgroupFor("memory")).isEqualTo("v1");
        assertThat(hybrid.cgroupFor("cpu")).isNull();
        assertThat(Enforcement.plan(limits(512L << 20, 256, 0, false), Tier.NAMESPACE, hybrid).warnings()).isEmpty();
    }

    @Test
    void tmpfsSizesComeFromTheScratchLimits() throws Exception {
        Limits l = new Limits(0, 0, 0, Duration.ZERO, Duration.ZERO, 1L << 20, 2L << 20, 3L << 20, 0, 0, 0, false);
        var sizes = Enforcement.plan(l, Tier.NAMESPACE, new Mechanisms(Map.of(), false, true)).tmpfs();
        assertThat(sizes.home()).isEqualTo(1L << 20);
        assertThat(sizes.tmp()).isEqualTo(2L << 20);
        assertThat(sizes.shm()).isEqualTo(3L << 20);
    }
}
