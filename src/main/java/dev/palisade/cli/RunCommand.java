package dev.palisade.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.palisade.api.EventSink;
import dev.palisade.api.JsonLinesSink;
import dev.palisade.limits.Enforcement;
import dev.palisade.limits.Limits;
import dev.palisade.limits.LimitsException;
import dev.palisade.limits.Quantities;
import dev.palisade.paths.Mount;
import dev.palisade.paths.MountValidator;
import dev.palisade.paths.PathRefusedException;
import dev.palisade.broker.BrokerConfig;
import dev.palisade.broker.BrokerStartupException;
import dev.palisade.broker.CredentialBroker;
import dev.palisade.net.EgressRules;
import dev.palisade.net.NetworkBridge;
import dev.palisade.net.PortPublish;
import dev.palisade.net.Resolver;
import dev.palisade.policy.MountEntry;
import dev.palisade.policy.Policy;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.Exec;
import dev.palisade.sandbox.FolderGuard;
import dev.palisade.sandbox.RunRequest;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sandbox.SessionSpec;
import dev.palisade.sandbox.StateDirs;
import dev.palisade.paths.Access;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.seccomp.SeccompException;
import dev.palisade.seccomp.SeccompFilter;
import dev.palisade.sandbox.RuntimeDirs;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Sandbox;
import dev.palisade.sandbox.SandboxException;
import dev.palisade.sandbox.SessionIds;
import dev.palisade.sandbox.Tier;
import dev.palisade.vm.VmSettings;
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

    @Option(names = "--memory", paramLabel = "SIZE", description = "Memory of the command's process tree, tmpfs scratch included (512M, 2G).")
    String memory;

    @Option(names = "--pids", paramLabel = "N", description = "Processes and threads of the command's process tree.")
    int pids;

    @Option(names = "--cpus", paramLabel = "N", description = "CPU quota in CPUs (0.5, 2).")
    double cpus;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Wall-clock limit of the command (30s, 5m); exit status 124 when reached.")
    String timeout;

    @Option(names = "--session-timeout", paramLabel = "DURATION", description = "Wall-clock limit of the session.")
    String sessionTimeout;

    @Option(names = "--home-size", paramLabel = "SIZE", description = "Size of the session home tmpfs.")
    String homeSize;

    @Option(names = "--tmp-size", paramLabel = "SIZE", description = "Size of each of the /tmp and /var/tmp tmpfs mounts.")
    String tmpSize;

    @Option(names = "--shm-size", paramLabel = "SIZE", description = "Size of the /dev/shm tmpfs.")
    String shmSize;

    @Option(names = "--max-output", paramLabel = "SIZE", description = "Bytes of stdout and stderr together; the command is stopped beyond it.")
    String maxOutput;

    @Option(names = "--open-files", paramLabel = "N", description = "Open descriptors per process (RLIMIT_NOFILE).")
    int openFiles;

    @Option(names = "--max-file-size", paramLabel = "SIZE", description = "Largest file a process may write (RLIMIT_FSIZE).")
    String maxFileSize;

    @Option(names = "--allow-weaker-limits", description = "Run even when a limit can only be enforced weakly, or not at all, on this host.")
    boolean allowWeakerLimits;

    @Option(names = "--no-file-guard", description = "Bind read-write folders directly instead of through the file guard"
            + " (no blocked file types, history or audit events; protected paths still masked).")
    boolean noFileGuard;

    @Option(names = "--image", paramLabel = "NAME[-VERSION]",
            description = "VM image for --tier vm (default: the policy's vm.image, else palisade-base).")
    String image;

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
        Enforcement limits;
        Limits effective;
        try {
            Limits flags = new Limits(size(memory), pids, cpus, duration(timeout), duration(sessionTimeout),
                    size(homeSize), size(tmpSize), size(shmSize), size(maxOutput), openFiles, size(maxFileSize),
                    allowWeakerLimits);
            effective = policy.limits().overriddenBy(flags);
            limits = Enforcement.plan(effective, policy.tier());
        } catch (IllegalArgumentException | LimitsException e) {
            return Fail.with(e.getMessage());
        }
        if (policy.tier() == Tier.VM) {
            java.util.Optional<String> refused = dev.palisade.sandbox.VmRefusals.of(effective, policy.seccomp());
            if (refused.isPresent()) {
                return Fail.with(refused.get());
            }
            if (dryRun) {
                return Fail.with("--dry-run prints a bwrap command line; the vm tier has none");
            }
        }
        for (String w : limits.warnings()) {
            System.err.println("palisade: WARNING: " + w);
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
                        List.of(), home, EventSink.NONE, limits.tmpfs());
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
            extensions.add(limits.forCommand(id));
            Path policyDir = policyFile != null && policyFile.toAbsolutePath().getParent() != null
                    ? policyFile.toAbsolutePath().getParent() : Path.of("").toAbsolutePath();
            SeccompFilter.forPolicy(policy.seccomp(), policy.tier(), policyDir,
                    !policy.network().allowUnixSockets().isEmpty()).ifPresent(extensions::add);
            EgressRules net = policy.network();
            if (!net.allowedDomains().isEmpty() || !net.allowUnixSockets().isEmpty() || !publishes.isEmpty()) {
                netDir = RuntimeDirs.privateDir(RuntimeDirs.base().resolve("net-" + id));
                CredentialBroker broker = null;
                if (!policy.credentials().isEmpty()) {
                    broker = CredentialBroker.start(new BrokerConfig(id, policy.credentials()),
                            host -> net.permitsName(host, 443), target);
                }
                extensions.add(new NetworkBridge(id, net, Resolver.SYSTEM, target, broker, netDir, publishes));
                if (broker != null) {
                    extensions.add(broker);
                }
            } else if (!policy.credentials().isEmpty()) {
                return Fail.with("credentials need network.allowedDomains to include their hosts; the sandbox has no network");
            }
            FilesystemPolicy fs = noFileGuard ? policy.filesystem().withGuard(false) : policy.filesystem();
            FolderGuard guard = null;
            if (policy.tier() != Tier.DIRECT && fs.guard() && validated.stream().anyMatch(m -> m.access() == Access.RW)) {
                Path state = StateDirs.session(id);
                StringBuilder folders = new StringBuilder();
                for (Mount m : validated) {
                    if (m.access() == Access.RW) {
                        folders.append(m.name()).append('\t').append(m.hostPath()).append('\n');
                    }
                }
                Files.writeString(state.resolve("folders"), folders);
                guard = new FolderGuard(fs.blockedFileTypes(), fs.keepHistoryBytes(), state.resolve("history"), target);
            }
            SessionSpec spec = new SessionSpec(id, policy.tier(), validated, fs, home, false, limits.tmpfs(), guard);
            Outcome o;
            String vmImage = image != null ? image : policy.vmImage();
            VmSettings vmSettings;
            try {
                vmSettings = VmSettings.defaults(vmImage);
            } catch (IllegalArgumentException e) {
                return Fail.with("--image: " + e.getMessage());
            }
            try (SandboxSession session = SandboxSession.open(spec, vmSettings,
                    w -> System.err.println("palisade: WARNING: " + w))) {
                o = session.run(new Exec(command, extraEnv, null, extensions, target, null, true));
            }
            if (!o.message().isEmpty()) {
                System.err.println("palisade: " + o.message());
            }
            return o.status();
        } catch (IOException e) {
            return Fail.with("--events: cannot open " + events + ": " + e.getMessage());
        } catch (SandboxException | SeccompException | BrokerStartupException | IllegalArgumentException e) {
            return Fail.with(e.getMessage());
        } finally {
            if (netDir != null) {
                RuntimeDirs.deleteTree(netDir);
            }
        }
    }

    private static long size(String text) {
        return text == null ? 0 : Quantities.bytes(text);
    }

    private static Duration duration(String text) {
        return text == null ? Duration.ZERO : Quantities.duration(text);
    }
}
