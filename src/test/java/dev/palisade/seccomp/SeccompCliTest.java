package dev.palisade.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Cli;
import dev.palisade.testing.Prerequisites;

/** {@code palisade seccomp show|test} as a user runs them, in a separate JVM. */
@Timeout(120)
class SeccompCliTest {
    @TempDir
    Path tmp;

    @Test
    void showPrintsTheDefaultRulesWithReasons() throws Exception {
        Cli.Result r = Cli.run(tmp, "seccomp", "show");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("profile:        default", "ptrace -> SCMP_ACT_ERRNO(EPERM)", "  why: ");
    }

    @Test
    void brokenProfilesExit125WithTheReason() throws Exception {
        Files.writeString(tmp.resolve("unknown.json"),
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"nosuchcall\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
        Files.writeString(tmp.resolve("action.json"),
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_NOPE\"}]}");
        Files.writeString(tmp.resolve("malformed.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\",");
        Cli.Result unknown = Cli.run(tmp, "seccomp", "show", "--profile", "unknown.json");
        assertThat(unknown.status()).isEqualTo(125);
        assertThat(unknown.stderr()).isEqualTo("palisade: seccomp profile unknown.json: syscalls[0].names: unknown syscall"
                + " name 'nosuchcall'\n");
        Cli.Result action = Cli.run(tmp, "seccomp", "show", "--profile", "action.json");
        assertThat(action.status()).isEqualTo(125);
        assertThat(action.stderr()).startsWith("palisade: seccomp profile action.json: syscalls[0].action: unknown action"
                + " 'SCMP_ACT_NOPE'");
        Cli.Result malformed = Cli.run(tmp, "seccomp", "show", "--profile", "malformed.json");
        assertThat(malformed.status()).isEqualTo(125);
        assertThat(malformed.stderr()).startsWith("palisade: seccomp profile malformed.json: malformed JSON: ");
        assertThat(malformed.stdout()).isEmpty();
    }

    @Test
    @Tag("sandbox")
    void testRunsTheProbeAndEveryAttemptMatches() throws Exception {
        Prerequisites.requireExecutable("gcc");
        Prerequisites.requireExecutable("bwrap");
        Cli.Result r = Cli.run(tmp, "seccomp", "test");
        assertThat(r.status()).as("%s%n%s", r.stdout(), r.stderr()).isZero();
        assertThat(r.stdout()).contains("ptrace_attach_pid1", "host Unix listener: 0 connection(s)")
                .doesNotContain(" NO");
    }
}
