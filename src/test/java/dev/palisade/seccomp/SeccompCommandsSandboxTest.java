package dev.palisade.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.sandbox.Tier;
import dev.palisade.testing.Prerequisites;

/** {@code seccomp test} and user profiles, end to end in real sandboxes. */
@Tag("sandbox")
@Timeout(180)
class SeccompCommandsSandboxTest {
    @TempDir
    Path tmp;

    private ProbeSandbox harness() {
        return (filter, hostDir, command) -> {
            LauncherHarness h;
            String id = LauncherHarness.newSessionId();
            LauncherHarness.Result r;
            try {
                h = new LauncherHarness(tmp.resolve("session")).roFolder(hostDir, "probe");
                r = h.run(id, List.of(filter), command.apply(h.inside(id, "probe")));
            } catch (IOException | InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
            if (r.exitCode() != 0) {
                throw new IOException("probe failed with " + r.exitCode() + ": " + r.stderr());
            }
            return r.stdout();
        };
    }

    @Test
    void seccompTestPrintsATableWhereEveryAttemptMatches() throws Exception {
        Prerequisites.requireExecutable("gcc");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok = SeccompCommands.test(harness(), SeccompProfile.defaultProfile(), false, tmp,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertThat(table).as(table).contains("ptrace_attach_pid1", "EPERM").doesNotContain(" NO");
        assertThat(ok).as(table).isTrue();
        assertThat(table.lines().count()).isEqualTo(2 + ProbeExpectations.forDefaultProfile(false, false).size());
        assertThat(table).endsWith("host Unix listener: 0 connection(s) from the sandbox\n");
    }

    @Test
    void aUserProfileFileIsEnforcedWithItsOwnErrno() throws Exception {
        Path profile = tmp.resolve("no-mkdir.json");
        Files.writeString(profile, """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
                               "comment": "test: no new directories"}]}
                """);
        SeccompProfile p = SeccompProfile.forPolicy(profile.getFileName().toString(), Tier.NAMESPACE, tmp).orElseThrow();
        LauncherHarness.Result r = new LauncherHarness(tmp.resolve("session")).run(List.of(SeccompFilter.create(p, false)),
                List.of("/bin/sh", "-c", "touch file && echo touched; mkdir d; echo mkdir=$?"));
        assertThat(r.stdout()).isEqualTo("touched\nmkdir=1\n");
        assertThat(r.stderr()).contains("Permission denied");
    }
}
