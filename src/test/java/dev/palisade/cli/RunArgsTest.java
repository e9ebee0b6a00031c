package dev.palisade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

class RunArgsTest {
    @Test
    void knowsExactlyThePicocliOptionsOfRun() {
        Set<String> picocli = new HashSet<>();
        for (CommandLine.Model.OptionSpec o : new CommandLine(new RunCommand()).getCommandSpec().options()) {
            picocli.addAll(List.of(o.names()));
        }
        Set<String> lean = new HashSet<>(RunArgs.FLAGS);
        lean.addAll(RunArgs.VALUED);
        assertThat(lean).isEqualTo(picocli);
    }

    @Test
    void agreesWithPicocli() {
        List<String> args = List.of("--tier", "direct", "--policy=p.json", "--mount", "/a:rw", "--mount=/b",
                "--allow-domain", "x.test", "--publish", "8080:80", "--session", "calm-curie", "--events", "-",
                "--env", "A=1", "--memory", "512M", "--pids", "256", "--cpus", "0.5", "--timeout", "2s",
                "--session-timeout", "1h", "--home-size", "1G", "--tmp-size", "64M", "--shm-size", "8M",
                "--max-output", "10M", "--open-files", "64", "--max-file-size", "1G", "--allow-sensitive-mount",
                "--allow-weaker-limits", "--no-file-guard", "--dry-run", "--", "ls", "-l", "--tier");
        RunCommand lean = new RunCommand();
        assertThat(RunArgs.parse(args, lean)).isTrue();
        RunCommand full = new RunCommand();
        new CommandLine(full).setStopAtPositional(true).parseArgs(args.toArray(String[]::new));
        assertThat(lean).usingRecursiveComparison().isEqualTo(full);
        assertThat(lean.command).containsExactly("ls", "-l", "--tier");
    }

    @Test
    void stopsAtTheCommandWithoutDoubleDash() {
        RunCommand lean = new RunCommand();
        assertThat(RunArgs.parse(List.of("--mount", "/a", "echo", "-h", "--mount"), lean)).isTrue();
        assertThat(lean.command).containsExactly("echo", "-h", "--mount");
        assertThat(lean.mounts).containsExactly("/a");
    }

    @Test
    void leavesHelpUnknownOptionsAndBadNumbersToPicocli() {
        assertThat(RunArgs.parse(List.of("--help"), new RunCommand())).isFalse();
        assertThat(RunArgs.parse(List.of("-h", "--", "true"), new RunCommand())).isFalse();
        assertThat(RunArgs.parse(List.of("--bogus", "--", "true"), new RunCommand())).isFalse();
        assertThat(RunArgs.parse(List.of("--pids", "many", "--", "true"), new RunCommand())).isFalse();
        assertThat(RunArgs.parse(List.of("--mount"), new RunCommand())).isFalse();
        assertThat(RunArgs.parse(List.of("--mount", "/a", "--"), new RunCommand())).isFalse();
    }
}
