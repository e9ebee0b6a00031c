package dev.palisade.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.palisade.api.EventSink;
import dev.palisade.api.JsonLinesSink;
import dev.palisade.paths.Mount;
import dev.palisade.paths.MountValidator;
import dev.palisade.paths.PathRefusedException;
import dev.palisade.net.EgressRules;
import dev.palisade.net.NetworkBridge;
import dev.palisade.net.PortPublish;
import dev.palisade.net.Resolver;
import dev.palisade.policy.MountEntry;
import dev.palisade.policy.Policy;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.RunRequest;
import dev.palisade.sandbox.RuntimeDirs;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Sandbox;
import dev.palisade.sandbox.SandboxException;
import dev.palisade.sandbox.SessionIds;
import dev.palisade.sandbox.Tier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code palisade run}: one command in a fresh session. */
@Command(name = "run", description = "Run a command in a sandbox.", sortOptions = false)
final class RunCommand implements Callable<Integer> {
    @Option(names = "--tier", paramLabel = "direct|namespace|vm", description = "Isolation tier (default: the policy's, else namespace).")
    String tier;

    @Option(names = "--policy", paramLabel = "FILE", description = "Policy file (JSON).")
    Path policyFile;

    @Option(names = "--mount", paramLabel = "PATH[:ro|:rw]", description = "Share a folder (read-only unless :rw). Repeatable; the first is the working directory.")
    List<String> mounts = new ArrayList<>();

    @Option(names = "--allow-domain", paramLabel = "DOMAIN", description = "Allow egress to a domain. Repeatable.")
    List<String> allowDomains = new ArrayList<>();

    @Option(names = "--publish", paramLabel = "[HOST_IP:]HOST_PORT:SANDBOX_PORT",
            description = "Make a server listening inside reachable from the host (loopback unless HOST_IP). Repeatable.")
    List<String> publish = new ArrayList<>();

    @Option(names = "--session", paramLabel = "ID", description = "Session id (default: a fresh adjective-scientist).")
    String session;

    @Option(names = "--events", paramLabel = "FILE|-", description = "Write events as JSON lines to FILE, or - for stdout.")
    String events;

    @Option(names = "--env", paramLabel = "NAME[=VALUE]", description = "Pass an environment variable (its host value when no =VALUE). Repeatable.")
    List<String> env = new ArrayList<>();

    @Option(names = "--allow-sensitive-mount", description = "Allow mounting folders that are normally refused (/, /etc, ~, ~/.ssh, ...).")
    boolean allowSensitive;

    @Option(names = "--dry-run", description = "Print the bwrap command line (one argument a line) instead of running it.")
    boolean dryRun;

    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "The command and its arguments (after --).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
        Policy policy = Policy.DEFAULT;
        try {
            if (policyFile != null) {
                policy = new PolicyParser().read(policyFile);
            }
            if (tier != null) {
                policy = policy.withTier(Tier.parse(tier));
            }
        } catch (PolicyException | IllegalArgumentException e) {
            return Fail.with(e.getMessage());
        }
        List<PortPublish> publishes = new ArrayList<>();
        try {
            if (!allowDomains.isEmpty()) {
                policy = policy.withMoreAllowedDomains(allowDomains);
            }
            for (String p : publish) {
                publishes.add(PortPublish.parse(p));
            }
        } catch (IllegalArgumentException e) {
            return Fail.with(e.getMessage());
        }
        String id;
        try {
            id = session != null ? SessionIds.validate(session) : SessionIds.generate();
        } catch (IllegalArgumentException e) {
            return Fail.with(e.getMessage());
        }
        Path home = Path.of(System.getProperty("user.home"));
        MountValidator validator = new MountValidator(Path.of("").toAbsolutePath(), home, List.of());
        List<Mount> validated = new ArrayList<>();
        try {
            for (MountEntry e : policy.mounts()) {
                validated.add(validator.validate(e.path(), e.access(), e.name(), e.allowSensitive() || allowSensitive));
            }
            for (String spec : mounts) {
                validated.add(validator.validateSpec(spec, allowSensitive));
            }
        } catch (PathRefusedException e) {
            return Fail.with(e.getMessage());
        }
        Map<String, String> extraEnv = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            String name = eq < 0 ? e : e.substring(0, eq);
            if (name.isEmpty() || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                return Fail.with("--env: invalid variable name in '" + e + "'");
            }
            String value = eq < 0 ? System.getenv(name) : e.substring(eq + 1);
            if (value != null) {
                extraEnv.put(name, value);
            }
        }
        if (policy.tier() == Tier.DIRECT) {
            System.err.println("palisade: WARNING: --tier direct runs the command on the host with NO isolation"
                    + " (no namespaces, no seccomp, no filesystem rules); for debugging policies only");
        }
        if (dryRun) {
            try {
                RunRequest req = new RunRequest(id, policy.tier(), validated, policy.filesystem(), command, extraEnv,
                        List.of(), home, EventSink.NONE);
                Sandbox.dryRun(req).forEach(System.out::println);
                return 0;
            } catch (SandboxException | IllegalArgumentException e) {
                return Fail.with(e.getMessage());
            }
        }
        Path netDir = null;
        try (JsonLinesSink sink = events == null ? null : JsonLinesSink.open(events)) {
            EventSink target = sink == null ? EventSink.NONE : sink;
            List<SandboxExtension> extensions = new ArrayList<>();
            EgressRules net = policy.network();
            if (!net.allowedDomains().isEmpty() || !net.allowUnixSockets().isEmpty() || !publishes.isEmpty()) {
                netDir = RuntimeDirs.privateDir(RuntimeDirs.base().resolve("net-" + id));
                extensions.add(new NetworkBridge(id, net, Resolver.SYSTEM, target, null, netDir, publishes));
            }
            RunRequest req = new RunRequest(id, policy.tier(), validated, policy.filesystem(), command, extraEnv,
                    extensions, home, target);
            Outcome o = Sandbox.run(req, true);
            if (!o.message().isEmpty()) {
                System.err.println("palisade: " + o.message());
            }
            return o.status();
        } catch (IOException e) {
            return Fail.with("--events: cannot open " + events + ": " + e.getMessage());
        } catch (SandboxException | IllegalArgumentException e) {
            return Fail.with(e.getMessage());
        } finally {
            if (netDir != null) {
                RuntimeDirs.deleteTree(netDir);
            }
        }
    }
}
