package dev.palisade.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.TestLaunchPlans;
import dev.palisade.sandbox.Tier;

/** The policy entry point: tiers, the program cache, and what prepare() adds to a launch. */
class SeccompFilterForPolicyTest {
    @TempDir
    Path dir;

    @Test
    void directTierHasNoFilterAndNoneIsRefusedElsewhere() throws Exception {
        assertThat(SeccompFilter.forPolicy("none", Tier.DIRECT, dir, false)).isEmpty();
        assertThat(SeccompFilter.forPolicy("default", Tier.DIRECT, dir, false)).isEmpty();
        assertThatThrownBy(() -> SeccompFilter.forPolicy("none", Tier.NAMESPACE, dir, false))
                .isInstanceOf(SeccompException.class).hasMessageContaining("only allowed with tier direct");
    }

    @Test
    void cachedProgramsEqualFreshlyCompiledOnesAndACorruptCacheIsIgnored() throws Exception {
        List<byte[]> fresh = SeccompFilter.create(SeccompProfile.defaultProfile(), false).programs();
        List<byte[]> first = SeccompFilter.forPolicy("default", Tier.NAMESPACE, dir, false).orElseThrow().programs();
        ProgramCache.Key key = ProgramCache.key(SeccompProfile.defaultProfileText(), false,
                SeccompProfile.noUnixSocketsText());
        Path cacheFile = ProgramCache.dir().resolve(key.fileName());
        assertThat(cacheFile).exists();
        List<byte[]> second = SeccompFilter.forPolicy("default", Tier.NAMESPACE, dir, false).orElseThrow().programs();
        assertThat(second).hasSize(2).usingElementComparator(java.util.Arrays::compare).containsExactlyElementsOf(fresh);
        assertThat(first).usingElementComparator(java.util.Arrays::compare).containsExactlyElementsOf(fresh);
        byte[] good = Files.readAllBytes(cacheFile);
        Files.write(cacheFile, java.util.Arrays.copyOf(good, good.length - 3));
        assertThat(ProgramCache.read(key)).isEmpty();
        good[20] ^= 1; // inside the stored key: a different profile text must not match
        Files.write(cacheFile, good);
        assertThat(ProgramCache.read(key)).isEmpty();
        List<byte[]> third = SeccompFilter.forPolicy("default", Tier.NAMESPACE, dir, false).orElseThrow().programs();
        assertThat(third).usingElementComparator(java.util.Arrays::compare).containsExactlyElementsOf(fresh);
        assertThat(SeccompFilter.forPolicy("default", Tier.NAMESPACE, dir, true).orElseThrow().programs()).hasSize(1);
    }

    @Test
    void aChangedProfileFileIsRecompiledAndABrokenOneRefused() throws Exception {
        Path p = dir.resolve("p.json");
        Files.writeString(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
        byte[] a = SeccompFilter.forPolicy("p.json", Tier.NAMESPACE, dir, true).orElseThrow().programs().getFirst();
        Files.writeString(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"ptrace\",\"bpf\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
        byte[] b = SeccompFilter.forPolicy("p.json", Tier.NAMESPACE, dir, true).orElseThrow().programs().getFirst();
        assertThat(b).isNotEqualTo(a);
        Files.writeString(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"nosuch\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
        assertThatThrownBy(() -> SeccompFilter.forPolicy("p.json", Tier.NAMESPACE, dir, true))
                .hasMessageContaining("unknown syscall name 'nosuch'");
    }

    @Test
    void prepareHandsEachProgramToBwrapThroughAPipeAndMakesProcReadOnly() throws Exception {
        LaunchPlan plan = TestLaunchPlans.create(Tier.NAMESPACE);
        SeccompFilter f = SeccompFilter.forPolicy("default", Tier.NAMESPACE, dir, false).orElseThrow();
        try (f) {
            f.prepare(plan);
            assertThat(TestLaunchPlans.bwrapArgs(plan)).containsExactly("--add-seccomp-fd", "3", "--add-seccomp-fd", "4",
                    "--remount-ro", "/proc");
            List<Integer> fds = TestLaunchPlans.passedFds(plan);
            assertThat(Files.readAllBytes(Path.of("/proc/self/fd/" + fds.get(0))))
                    .isEqualTo(f.programs().get(0));
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fds.get(1))).toString()).startsWith("pipe:");
        }
        LaunchPlan direct = TestLaunchPlans.create(Tier.DIRECT);
        f.prepare(direct);
        assertThat(TestLaunchPlans.bwrapArgs(direct)).isEmpty();
        f.close();
    }
}
