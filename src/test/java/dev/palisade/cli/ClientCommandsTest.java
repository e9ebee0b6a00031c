package dev.palisade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.sdk.Palisade;
import dev.palisade.sdk.SandboxProcess;
import dev.palisade.sdk.Session;
import dev.palisade.sdk.TestDaemon;
import dev.palisade.testing.Cli;
import dev.palisade.testing.SandboxPrerequisites;
import tools.jackson.databind.JsonNode;

/** {@code palisade session|exec|logs|cp}: the real launcher (its own JVM) against a real daemon. */
@Tag("sandbox")
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClientCommandsTest {
    @TempDir
    Path tmp;
    TestDaemon daemon;
    String sock;
    Path work;

    @BeforeEach
    void start() throws Exception {
        SandboxPrerequisites.requireBwrap();
        daemon = new TestDaemon(tmp.resolve("d"));
        sock = daemon.socket().toString();
        work = Files.createDirectory(tmp.resolve("work")).toRealPath();
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private Cli.Result palisade(String... args) throws Exception {
        return Cli.run(tmp, args);
    }

    @Test
    void sessionCreateListExecCpAndRmWorkEndToEnd() throws Exception {
        Cli.Result created = palisade("session", "create", "--socket", sock, "--session", "cli-one", "--mount", "work:rw", "--json");
        assertThat(created.status()).as(created.stderr()).isZero();
        JsonNode info = CliJson.JSON.readTree(created.stdout());
        assertThat(info.get("session").asString()).isEqualTo("cli-one");
        assertThat(info.get("folders").get(0).get("host").asString()).isEqualTo(work.toString());
        assertThat(info.get("folders").get(0).get("mode").asString()).isEqualTo("rw");

        Cli.Result plain = palisade("session", "create", "--socket", sock);
        assertThat(plain.status()).as(plain.stderr()).isZero();
        String generated = plain.stdout().strip();
        assertThat(generated).matches("[a-z]+-[a-z]+.*");

        Cli.Result list = palisade("session", "list", "--socket", sock, "--json");
        assertThat(list.status()).as(list.stderr()).isZero();
        assertThat(CliJson.JSON.readTree(list.stdout()).findValuesAsString("session")).containsExactlyInAnyOrder("cli-one", generated);
        Cli.Result human = palisade("session", "list", "--socket", sock);
        assertThat(human.stdout()).contains("cli-one\tnamespace\t0 running\t" + work + ":rw").contains(generated);

        // stdout and stderr go to their own streams; the status is the command's.
        Cli.Result exec = palisade("exec", "--socket", sock, "cli-one", "--", "sh", "-c", "echo out; echo err >&2; pwd; exit 3");
        assertThat(exec.status()).isEqualTo(3);
        assertThat(exec.stdout()).isEqualTo("out\n" + work + "\n"); // the daemon translated the sandbox path
        assertThat(exec.stderr()).isEqualTo("err\n");
        Cli.Result json = palisade("exec", "cli-one", "--socket", sock, "--json", "--", "sh", "-c", "printf hi; kill -TERM $$");
        assertThat(json.status()).isEqualTo(143);
        String[] lines = json.stdout().split("\n");
        assertThat(CliJson.JSON.readTree(lines[0]).get("type").asString()).isEqualTo("start");
        assertThat(CliJson.JSON.readTree(lines[1]).get("data").asString()).isEqualTo("aGk=");
        JsonNode exit = CliJson.JSON.readTree(lines[lines.length - 1]);
        assertThat(exit.get("type").asString()).isEqualTo("exit");
        assertThat(exit.get("signal").asInt()).isEqualTo(15);

        // cp in and out round-trips bytes exactly, through the daemon's file API.
        byte[] data = new byte[1_300_000];
        new Random(1).nextBytes(data);
        Files.write(tmp.resolve("in.bin"), data);
        Cli.Result in = palisade("cp", "--socket", sock, "in.bin", "cli-one:sub.bin");
        assertThat(in.status()).as(in.stderr()).isZero();
        assertThat(Files.readAllBytes(work.resolve("sub.bin"))).isEqualTo(data);
        Cli.Result out = palisade("cp", "--socket", sock, "cli-one:/sessions/cli-one/mnt/work/sub.bin", "out.bin");
        assertThat(out.status()).as(out.stderr()).isZero();
        assertThat(Files.readAllBytes(tmp.resolve("out.bin"))).isEqualTo(data);
        Cli.Result checked = palisade("exec", "--socket", sock, "cli-one", "--", "cksum", "sub.bin");
        assertThat(checked.stdout()).startsWith(new String(new ProcessBuilder("cksum").redirectInput(tmp.resolve("in.bin").toFile())
                .start().getInputStream().readAllBytes(), StandardCharsets.UTF_8).split(" ")[0]);
        // Refusals come back with the daemon's code.
        Cli.Result refused = palisade("cp", "--socket", sock, "in.bin", "cli-one:tool.exe");
        assertThat(refused.status()).isEqualTo(125);
        assertThat(refused.stderr()).contains("blocked-file-type");
        Cli.Result escape = palisade("cp", "--socket", sock, "cli-one:../in.bin", "x.bin");
        assertThat(escape.status()).isEqualTo(125);
        assertThat(escape.stderr()).contains("path-traversal");
        assertThat(tmp.resolve("x.bin")).doesNotExist();

        assertThat(palisade("session", "rm", "--socket", sock, "cli-one", generated).status()).isZero();
        Cli.Result gone = palisade("session", "rm", "--socket", sock, "cli-one");
        assertThat(gone.status()).isEqualTo(125);
        assertThat(gone.stderr()).contains("no-such-session");
        assertThat(palisade("session", "list", "--socket", sock).stdout()).isEmpty();
    }

    @Test
    void execFeedsStandardInputWithInteractive() throws Exception {
        assertThat(palisade("session", "create", "--socket", sock, "--session", "cli-in").status()).isZero();
        Process p = Cli.start(tmp, "exec", "--socket", sock, "-i", "cli-in", "--", "tr", "a-z", "A-Z");
        p.getOutputStream().write("shout\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("SHOUT\n");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void logsFollowsRunningCommandsAndWithFollowAlsoLaterOnes() throws Exception {
        try (Palisade sdk = Palisade.connect(daemon.socket()); Session s = sdk.createSession(
                new dev.palisade.sdk.SessionOptions("cli-logs", java.util.List.of()))) {
            SandboxProcess ticker = s.exec("sh", "-c", "i=0; while [ $i -lt 60 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done");
            Cli.Result logs = palisade("logs", "--socket", sock, "cli-logs");
            assertThat(logs.status()).as(logs.stderr()).isZero();
            assertThat(ticker.waitFor().status()).isZero();
            // Joined late, so from some tick on, but from there every tick in order up to the last.
            String out = logs.stdout();
            assertThat(out).endsWith("tick 59\n");
            int first = Integer.parseInt(out.substring(out.indexOf("tick ") + 5, out.indexOf('\n', out.indexOf("tick "))));
            StringBuilder expected = new StringBuilder();
            for (int i = first; i < 60; i++) {
                expected.append("tick ").append(i).append('\n');
            }
            assertThat(out).endsWith(expected.toString());

            Process follow = Cli.start(tmp, "logs", "--socket", sock, "--follow", "cli-logs");
            try {
                java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8));
                // Started after `logs --follow`: found by its polling. Runs until we have seen it.
                SandboxProcess later = s.exec("sh", "-c", "while true; do echo later; sleep 0.1; done");
                assertThat(r.readLine()).isEqualTo("later");
                later.signal(9);
                later.waitFor();
            } finally {
                follow.destroy();
                follow.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void terminatingExecTerminatesTheCommandInTheSession() throws Exception {
        try (Palisade sdk = Palisade.connect(daemon.socket()); Session s = sdk.createSession(
                new dev.palisade.sdk.SessionOptions("cli-term", java.util.List.of()))) {
            Process cli = Cli.start(tmp, "exec", "--socket", sock, "cli-term", "--", "sh", "-c", "echo up; exec sleep 600");
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(cli.getInputStream(), StandardCharsets.UTF_8));
            assertThat(r.readLine()).isEqualTo("up");
            String pid = s.info().processes().getFirst().id();
            SandboxProcess followed = s.follow(pid);
            cli.destroy(); // SIGTERM to the launcher
            assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(followed.waitFor(java.time.Duration.ofSeconds(30))).hasValueSatisfying(
                    x -> assertThat(x.status()).isEqualTo(128 + 15));
        }
    }

    @Test
    void cpOutKeepsTheFilesPermissionBits() throws Exception {
        assertThat(palisade("session", "create", "--socket", sock, "--session", "cli-mode", "--mount", "work:rw").status()).isZero();
        Path script = Files.writeString(work.resolve("run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        Cli.Result out = palisade("cp", "--socket", sock, "cli-mode:run.sh", ".");
        assertThat(out.status()).as(out.stderr()).isZero();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("run.sh"))))
                .isEqualTo("rwxr-x---");
        assertThat(tmp.resolve("run.sh")).hasContent("#!/bin/sh");
    }

    @Test
    void clientCommandsWithoutADaemonFailNamingTheSocket() throws Exception {
        Path none = tmp.resolve("nowhere/api.sock");
        for (String[] args : new String[][] {{"session", "list", "--socket", none.toString()},
                {"exec", "--socket", none.toString(), "s", "--", "true"}, {"cp", "--socket", none.toString(), "a", "s:b"}}) {
            Cli.Result r = palisade(args);
            assertThat(r.status()).as(String.join(" ", args)).isEqualTo(125);
            assertThat(r.stderr()).contains(none.toString()).contains("palisade daemon");
        }
    }
}
