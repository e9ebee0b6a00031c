package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.sandbox.RuntimeDirs;
import dev.palisade.testing.Cli;
import dev.palisade.testing.SandboxPrerequisites;
import tools.jackson.databind.JsonNode;

/**
 * {@code palisade daemon} as a real child process, killed with SIGKILL while a command runs: the
 * sandbox dies with it (bwrap --die-with-parent), and the next daemon on the same state folder
 * reports the stale session and removes its record and runtime folder.
 */
@Tag("sandbox")
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DaemonCrashTest {
    @TempDir
    Path tmp;

    private static Process startDaemon(Path socket, Path state) throws IOException {
        List<String> cmd = new ArrayList<>(Cli.javaCommand());
        cmd.addAll(List.of("daemon", "--socket", socket.toString(), "--state", state.toString()));
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Reads the daemon's stderr until it listens; returns the lines before. */
    private static List<String> awaitListening(Process d) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(d.getErrorStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = err.readLine()) != null) {
            if (line.startsWith("palisade: listening on ")) {
                Thread.ofVirtual().start(() -> drain(err)); // keep the pipe from filling up
                return lines;
            }
            lines.add(line);
        }
        throw new AssertionError("daemon ended before listening: " + lines);
    }

    private static void drain(BufferedReader r) {
        try {
            while (r.readLine() != null) {
                // discard
            }
        } catch (IOException ignored) {
            // the daemon is gone
        }
    }

    /** Host pids whose command line is exactly {@code argv}. */
    private static List<Long> processesRunning(List<String> argv) {
        String wanted = String.join("\0", argv) + "\0";
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(ph -> {
            try {
                byte[] b = Files.readAllBytes(Path.of("/proc", Long.toString(ph.pid()), "cmdline"));
                if (new String(b, StandardCharsets.UTF_8).equals(wanted)) {
                    out.add(ph.pid());
                }
            } catch (IOException e) {
                // gone, or not ours to read
            }
        });
        return out;
    }

    @Test
    void sigkilledDaemonLeavesNoSandboxAndTheNextOneClearsItsState() throws Exception {
        SandboxPrerequisites.requireBwrap();
        Path socket = tmp.resolve("run/api.sock");
        Path state = tmp.resolve("state");
        Process first = startDaemon(socket, state);
        String session;
        List<String> sleeper = List.of("sleep", "300." + ProcessHandle.current().pid());
        List<Long> bwraps;
        try {
            awaitListening(first);
            try (TestClient c = new TestClient(socket)) {
                c.send("{\"id\":1,\"op\":\"session.create\"}");
                JsonNode created = c.reply("1");
                assertThat(created.get("ok").asBoolean()).as(created.toString()).isTrue();
                session = created.get("result").get("session").asString();
                c.send("{\"id\":2,\"op\":\"exec\",\"session\":\"" + session + "\",\"argv\":[\"" + sleeper.get(0) + "\",\""
                        + sleeper.get(1) + "\"]}");
                assertThat(c.reply("2").get("ok").asBoolean()).isTrue();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (processesRunning(sleeper).isEmpty()) {
                    assertThat(System.nanoTime()).as("the command started").isLessThan(deadline);
                    Thread.sleep(50);
                }
                bwraps = first.descendants().filter(ph -> ph.info().command().orElse("").endsWith("bwrap"))
                        .map(ProcessHandle::pid).toList();
                assertThat(bwraps).isNotEmpty();
            }
            assertThat(state.resolve("sessions/" + session + ".json")).exists();
            assertThat(RuntimeDirs.base().resolve("sessions/" + session)).exists();
        } finally {
            first.destroyForcibly(); // SIGKILL: no shutdown hook runs
        }
        assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isEqualTo(128 + 9);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!processesRunning(sleeper).isEmpty() || bwraps.stream().anyMatch(p -> ProcessHandle.of(p)
                .map(ProcessHandle::isAlive).orElse(false))) {
            assertThat(System.nanoTime()).as("sandbox processes of the killed daemon are gone within 5 s: sleep "
                    + processesRunning(sleeper) + ", bwrap " + bwraps).isLessThan(deadline);
            Thread.sleep(50);
        }
        // What the crash left: the record and the runtime folder, until the next daemon starts.
        assertThat(state.resolve("sessions/" + session + ".json")).exists();
        assertThat(RuntimeDirs.base().resolve("sessions/" + session)).exists();

        Process second = startDaemon(socket, state);
        try {
            List<String> said = awaitListening(second);
            assertThat(said).contains("palisade: cleared stale session " + session + " left by a previous daemon");
            assertThat(state.resolve("sessions/" + session + ".json")).doesNotExist();
            assertThat(RuntimeDirs.base().resolve("sessions/" + session)).doesNotExist();
            try (TestClient c = new TestClient(socket)) {
                c.send("{\"id\":1,\"op\":\"session.list\"}");
                assertThat(c.reply("1").get("result").get("sessions")).isEmpty();
                // The stale id is free again.
                c.send("{\"id\":2,\"op\":\"session.create\",\"session\":\"" + session + "\"}");
                JsonNode again = c.reply("2");
                assertThat(again.get("ok").asBoolean()).as(again.toString()).isTrue();
            }
        } finally {
            second.destroy(); // SIGTERM: closes the session it made
            assertThat(second.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(socket).doesNotExist();
        assertThat(state.resolve("sessions/" + session + ".json")).doesNotExist();
    }
}
