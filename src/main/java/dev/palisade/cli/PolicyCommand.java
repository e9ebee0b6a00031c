package dev.palisade.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.palisade.policy.MountEntry;
import dev.palisade.policy.Policy;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code palisade policy check FILE}: validate a policy and print the effective rules. */
@Command(name = "policy", description = "Policy tools.", subcommands = PolicyCommand.Check.class)
final class PolicyCommand {
    private PolicyCommand() {
    }

    /** Validates a policy file and prints what it means. */
    @Command(name = "check", description = "Validate a policy file and print the effective policy.")
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The policy file.")
        Path file;

        @Override
        public Integer call() {
            Policy p;
            try {
                p = new PolicyParser().read(file);
            } catch (PolicyException e) {
                return Fail.with(e.getMessage());
            }
            System.out.println("policy " + file + ": OK");
            System.out.println("tier: " + p.tier().cliName());
            System.out.println("mounts:" + (p.mounts().isEmpty() ? " (none)" : ""));
            for (MountEntry m : p.mounts()) {
                System.out.println("  " + m.path() + " " + m.access().spelling()
                        + (m.name() != null ? " as " + m.name() : "") + (m.allowSensitive() ? " (sensitive allowed)" : ""));
            }
            System.out.println("filesystem.denyRead: " + p.filesystem().denyRead());
            System.out.println("filesystem.denyWrite: " + p.filesystem().denyWrite());
            System.out.println("filesystem.allowWrite: " + p.filesystem().allowWrite());
            System.out.println("filesystem.protectedPaths: " + p.filesystem().protectedPaths());
            System.out.println("seccomp: " + p.seccomp());
            var n = p.network();
            System.out.println("network.allowedDomains: " + (n.allowedDomains().isEmpty() ? "(none: no network at all)"
                    : n.allowedDomains()));
            System.out.println("network.deniedDomains: " + n.deniedDomains());
            System.out.println("network.allowPrivateAddresses: " + n.allowPrivateAddresses());
            System.out.println("network.allowUnixSockets: " + n.allowUnixSockets());
            System.out.println("network.maxConnections: " + n.maxConnections() + ", network.maxBytes: " + n.maxBytes());
            System.out.println("limits: " + p.limits());
            return 0;
        }
    }
}
