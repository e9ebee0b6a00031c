package dev.palisade.cli;

import java.util.concurrent.Callable;

import dev.palisade.seccomp.SeccompCommands;
import dev.palisade.seccomp.SeccompException;
import dev.palisade.seccomp.SeccompProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code palisade seccomp show}: the effective rules, each with its reason. */
@Command(name = "show", description = "Print the effective seccomp rules and why each exists.")
final class SeccompShowCommand implements Callable<Integer> {
    @Option(names = "--profile", paramLabel = "default|FILE", defaultValue = SeccompProfile.DEFAULT,
            description = "The profile (OCI/Docker seccomp JSON), default: ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--allow-unix-sockets", description = "As for a policy that allows named Unix sockets.")
    boolean allowUnixSockets;

    @Option(names = "--pfc", description = "Also print libseccomp's pseudo filter code.")
    boolean pseudoCode;

    @Override
    public Integer call() {
        try {
            SeccompCommands.show(SeccompProfile.load(profile), allowUnixSockets, pseudoCode, System.out);
            return 0;
        } catch (SeccompException e) {
            return Fail.with(e.getMessage());
        }
    }
}
