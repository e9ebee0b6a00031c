package dev.palisade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Cli;
import dev.palisade.testing.Prerequisites;
import dev.palisade.testing.SandboxPrerequisites;

/** Exit statuses, signals, descriptors, events and start-up errors of {@code palisade run}. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunCommandTest {
    @TempDir
    Path tmp;
    Path work;

    @BeforeEach
    void folder() throws Exception {
        SandboxPrerequisites.requireBwrap();
        work = Files.createDirectory(tmp.resolve("work"));
    }

    @Test
    void exitStatusIsTheCommandsOwn() throws Exception {
        assertThat(Cli.run(tmp, "run", "--mount", work.toString(), "--", "sh", "-c", "exit 3").status()).isEqualTo(3);
        assertThat(Cli.run(tmp, "run", "--", "true").status()).isZero();
    }

    @Test
    void deathBySignalIs128PlusN() throws Exception {
        assertThat(Cli.run(tmp, "run", "--", "sh", "-c", "kill -KILL $$").status()).isEqualTo(137);
        assertThat(Cli.run(tmp, "run", "--", "sh", "-c", "kill -TERM $$").status()).isEqualTo(143);
    }

    @Test
    void vmTierRefusesACustomSeccompProfileItCannotApply() throws Exception {
        Files.writeString(tmp.resolve("profile.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": []}");
        Files.writeString(tmp.resolve("policy.json"), "{\"tier\": \"vm\", \"seccomp\": \"profile.json\"}");
        Cli.Result r = Cli.run(tmp, "run", "--policy", tmp.resolve("policy.json").toString(), "--", "true");
        assertThat(r.status()).isEqualTo(125);
        assertThat(r.stderr()).contains("a custom profile ('profile.json') is not supported there yet");
    }

    @Test
    void missingCommandIs127() throws Exception {
        Cli.Result r = Cli.run(tmp, "run", "--", "no-such-command-xyz");
        assertThat(r.status()).isEqualTo(127);
        assertThat(r.stderr()).contains("no-such-command-xyz").contains("not found");
    }

    @Test
    void nonExecutableCommandIs126() throws Exception {
        Files.writeString(work.resolve("script.sh"), "#!/bin/sh\necho hi\n");
        Cli.Result r = Cli.run(tmp, "run", "--mount", work.toString(), "--", "./script.sh");
        assertThat(r.status()).isEqualTo(126);
        assertThat(r.stderr()).contains("script.sh");
    }

    @Test
    void commandInAFolderRunsByItsSandboxPath() throws Exception {
        Path script = Files.writeString(work.resolve("hello.sh"), "#!/bin/sh\necho hello from $0\n");
        script.toFile().setExecutable(true);
        Cli.Result r = Cli.run(tmp, "run", "--mount", work.toString(), "--", "./hello.sh");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("hello from ./hello.sh");
    }

    @Test
    void stdinAndStdoutPassThrough() throws Exception {
        Process p = Cli.start(tmp, "run", "--", "tr", "a-z", "A-Z");
        p.getOutputStream().write("shout\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("SHOUT\n");
        assertThat(p.waitFor()).isZero();
    }

    @Test
    void sigtermIsForwardedToTheSandboxedCommand() throws Exception {
        Process p = Cli.start(tmp, "run", "--", "sh", "-c", "trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done");
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        p.toHandle().destroy();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(out.readLine()).isEqualTo("got-term");
        assertThat(p.exitValue()).isEqualTo(42);
    }

    @Test
    void sigintAndSighupAreForwarded() throws Exception {
        for (int[] sig : new int[][] {{2, 130}, {1, 129}}) {
            Process p = Cli.start(tmp, "run", "--", "sh", "-c", "echo ready; exec sleep 100");
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            Thread.sleep(100);
            assertThat(new ProcessBuilder("kill", "-" + sig[0], Long.toString(p.pid())).start().waitFor()).isZero();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("signal " + sig[0]).isTrue();
            assertThat(p.exitValue()).as("signal " + sig[0]).isEqualTo(sig[1]);
        }
    }

    @Test
    void killingTheLauncherKillsTheSandbox() throws Exception {
        // Unique per run, so a stray process of another run cannot be mistaken for ours.
        String marker = "4321." + ProcessHandle.current().pid() + System.nanoTime() % 1000;
        Process p = Cli.start(tmp, "run", "--", "sh", "-c", "echo ready; exec sleep " + marker);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        assertThat(processesWith(marker)).isNotEmpty();
        p.toHandle().destroyForcibly();
        p.waitFor();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!processesWith(marker).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(processesWith(marker)).as("sandboxed processes left after SIGKILL of palisade").isEmpty();
    }

    private static List<Long> processesWith(String marker) {
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().arguments().map(a -> java.util.Arrays.asList(a).contains(marker)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    @Test
    void noDescriptorBeyondStdioReachesTheSandbox() throws Exception {
        Path marker = Files.writeString(tmp.resolve("inherited-marker"), "x");
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec 3<\"$0\" 7<\"$0\"; exec \"$@\"", marker.toString()));
        cmd.addAll(Cli.javaCommand());
        // ls itself holds one descriptor beyond stdio: the /proc/self/fd directory it is listing.
        cmd.addAll(List.of("run", "--", "ls", "-l", "/proc/self/fd"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).doesNotContain("inherited-marker");
        java.util.regex.Pattern entry = java.util.regex.Pattern.compile(" (\\d+) -> (.*)$");
        List<String> fds = out.lines().map(entry::matcher).filter(java.util.regex.Matcher::find)
                .map(m -> m.group(1) + " -> " + m.group(2))
                .filter(l -> !l.matches("[012] -> .*") && !l.matches("\\d+ -> /proc/\\d+/fd"))
                .toList();
        assertThat(fds).as(out).isEmpty();
        assertThat(out).contains("0 -> ").contains("1 -> ").contains("2 -> ");
    }

    @Test
    void tiocstiCannotPushInputIntoTheUsersTerminal() throws Exception {
        Prerequisites.requireExecutable("script");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3");
        Files.writeString(work.resolve("probe.py"), """
                import fcntl, termios
                try:
                    fcntl.ioctl(0, termios.TIOCSTI, b'#')
                    print('INJECTED')
                except OSError as e:
                    print('ERRNO', e.errno)
                """);
        // Control: the same probe on a terminal outside the sandbox does inject.
        String control = underTerminal("/usr/bin/python3 " + work.resolve("probe.py"));
        assertThat(control).contains("INJECTED");
        StringBuilder cmd = new StringBuilder();
        for (String a : Cli.javaCommand()) {
            cmd.append('\'').append(a).append("' ");
        }
        cmd.append("run --mount '").append(work).append("' -- /usr/bin/python3 probe.py");
        String inside = underTerminal(cmd.toString());
        assertThat(inside).contains("ERRNO 1").doesNotContain("INJECTED");
    }

    /** Runs a shell command with a pseudo-terminal as its stdin and controlling terminal (script(1)). */
    private String underTerminal(String command) throws Exception {
        Process p = new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void eventsAreWrittenAsJsonLinesWithHostPaths() throws Exception {
        Path events = tmp.resolve("events.jsonl");
        Cli.Result r = Cli.run(tmp, "run", "--session", "calm-curie", "--events", events.toString(),
                "--mount", work + ":rw", "--", "sh", "-c", "exit 7");
        assertThat(r.status()).isEqualTo(7);
        List<String> lines = Files.readAllLines(events);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("{\"type\":\"start\"").contains("\"session\":\"calm-curie\"")
                .contains("\"tier\":\"namespace\"").contains("\"cwd\":\"" + work + "\"");
        assertThat(lines.get(1)).startsWith("{\"type\":\"exit\"").contains("\"status\":7").contains("\"reason\":\"exited\"")
                .contains("\"durationMs\":");
    }

    @Test
    void malformedPolicyExits125WithOneLine() throws Exception {
        Path policy = Files.writeString(tmp.resolve("bad.json"), "{\"tier\": ");
        Cli.Result r = Cli.run(tmp, "run", "--policy", policy.toString(), "--", "true");
        assertThat(r.status()).isEqualTo(125);
        assertThat(r.stderr().trim().lines()).hasSize(1);
        assertThat(r.stderr()).startsWith("palisade: " + policy + ": malformed JSON");
    }

    @Test
    void credentialWithAMissingSecretOrAnUnallowedHostExits125AtStart() throws Exception {
        Path missing = Files.writeString(tmp.resolve("cred.json"), """
                {"network": {"allowedDomains": ["api.example.test"]},
                 "credentials": [{"name": "API_KEY", "hosts": ["api.example.test"],
                                  "source": {"env": "PALISADE_TEST_SURELY_UNSET"}, "header": "x-api-key: {}"}]}
                """);
        Cli.Result r = Cli.run(tmp, "run", "--policy", missing.toString(), "--", "true");
        assertThat(r.status()).isEqualTo(125);
        assertThat(r.stderr()).contains("PALISADE_TEST_SURELY_UNSET");
        Path secret = Files.writeString(tmp.resolve("secret"), "s3cret");
        Path unallowed = Files.writeString(tmp.resolve("cred2.json"), """
                {"network": {"allowedDomains": ["other.example.test"]},
                 "credentials": [{"name": "API_KEY", "hosts": ["api.example.test"],
                                  "source": {"file": "%s"}, "header": "x-api-key: {}"}]}
                """.formatted(secret));
        Cli.Result r2 = Cli.run(tmp, "run", "--policy", unallowed.toString(), "--", "true");
        assertThat(r2.status()).isEqualTo(125);
        assertThat(r2.stderr()).contains("api.example.test").contains("allowedDomains");
    }

    @Test
    void missingFolderExits125WithOneLine() throws Exception {
        Cli.Result r = Cli.run(tmp, "run", "--mount", tmp + "/absent", "--", "true");
        assertThat(r.status()).isEqualTo(125);
        assertThat(r.stderr().trim().lines()).hasSize(1);
        assertThat(r.stderr()).contains("folder does not exist: " + tmp + "/absent");
    }

    @Test
    void duplicateFolderNameExits125WithOneLine() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("x/work"));
        Cli.Result r = Cli.run(tmp, "run", "--mount", work.toString(), "--mount", other.toString(), "--", "true");
        assertThat(r.status()).isEqualTo(125);
        assertThat(r.stderr().trim().lines()).hasSize(1);
        assertThat(r.stderr()).contains("'work'");
    }

    @Test
    void dotDotAndSymlinkMountsAreRefused() throws Exception {
        Cli.Result dots = Cli.run(tmp, "run", "--mount", work + "/../work", "--", "true");
        assertThat(dots.status()).isEqualTo(125);
        assertThat(dots.stderr()).contains("'..'");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), work);
        Cli.Result sym = Cli.run(tmp, "run", "--mount", link.toString(), "--", "true");
        assertThat(sym.status()).isEqualTo(125);
        assertThat(sym.stderr()).contains("symlink");
    }

    @Test
    void invalidSessionIdAndUnknownOptionExit125() throws Exception {
        assertThat(Cli.run(tmp, "run", "--session", "../x", "--", "true").status()).isEqualTo(125);
        assertThat(Cli.run(tmp, "run", "--bogus", "--", "true").status()).isEqualTo(125);
    }

    @Test
    void directTierRunsOnTheHostWithAWarning() throws Exception {
        Path events = tmp.resolve("e.jsonl");
        Cli.Result r = Cli.run(tmp, "run", "--tier", "direct", "--events", events.toString(), "--mount", work + ":rw",
                "--", "sh", "-c", "pwd; echo $PALISADE_SESSION");
        assertThat(r.status()).isZero();
        assertThat(r.stderr()).contains("NO isolation");
        assertThat(r.stdout()).startsWith(work + "\n");
        assertThat(Files.readString(events)).contains("\"tier\":\"direct\"");
    }
}
