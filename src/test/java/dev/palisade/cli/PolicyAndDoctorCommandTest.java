package dev.palisade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Cli;
import dev.palisade.testing.SandboxPrerequisites;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PolicyAndDoctorCommandTest {
    @TempDir
    Path tmp;

    @Test
    void policyCheckPrintsTheEffectivePolicy() throws Exception {
        Path p = Files.writeString(tmp.resolve("p.json"), "{\"mounts\": [\"~/x:rw\"], \"filesystem\": {\"denyRead\": [\"s\"]}}");
        Cli.Result r = Cli.run(tmp, "policy", "check", p.toString());
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).contains("OK").contains("tier: namespace").contains("~/x rw")
                .contains("filesystem.denyRead: [s]").contains(".git/hooks");
    }

    @Test
    void policyCheckRejectsUnknownKeysWith125() throws Exception {
        Path p = Files.writeString(tmp.resolve("p.json"), "{\"mount\": []}");
        Cli.Result r = Cli.run(tmp, "policy", "check", p.toString());
        assertThat(r.status()).isEqualTo(125);
        assertThat(r.stderr()).contains("unknown key 'mount'");
    }

    @Test
    @Tag("sandbox")
    void doctorPassesOnAWorkingHost() throws Exception {
        SandboxPrerequisites.requireBwrap();
        Cli.Result r = Cli.run(tmp, "doctor");
        assertThat(r.stdout()).contains("bwrap").contains("a test sandbox starts");
        // The vm tier's accelerator line: KVM or TCG (or undecided before an image exists), and why.
        assertThat(r.stdout()).containsPattern("vm    vm tier accelerator: (KVM|TCG|undecided) — .+");
        assertThat(r.status()).as(r.stdout()).isZero();
    }
}
