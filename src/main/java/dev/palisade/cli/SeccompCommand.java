package dev.palisade.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** {@code palisade seccomp}: the seccomp layer's own commands. */
@Command(name = "seccomp", description = "Show or test the seccomp filter.",
        subcommands = {SeccompShowCommand.class, SeccompTestCommand.class})
final class SeccompCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }
}
