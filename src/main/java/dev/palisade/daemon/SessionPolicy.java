package dev.palisade.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.palisade.api.EventSink;
import dev.palisade.broker.BrokerConfig;
import dev.palisade.broker.BrokerStartupException;
import dev.palisade.broker.CredentialBroker;
import dev.palisade.limits.Enforcement;
import dev.palisade.limits.Limits;
import dev.palisade.limits.LimitsException;
import dev.palisade.net.EgressRules;
import dev.palisade.net.NetworkBridge;
import dev.palisade.net.Resolver;
import dev.palisade.policy.Policy;
import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.RuntimeDirs;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Tier;
import dev.palisade.seccomp.SeccompException;
import dev.palisade.seccomp.SeccompFilter;

/**
 * The parts of a session's policy that apply per command, as {@code palisade run} applies them:
 * seccomp, limits, the network bridge and the credential broker. The broker lives as long as the
 * session (one CA and one placeholder per credential for all its commands); a network bridge is
 * made per command.
 */
final class SessionPolicy implements AutoCloseable {
    private final String sessionId;
    private final Policy policy;
    private final Tier tier;
    private final Enforcement limits;
    private final CredentialBroker broker;

    private SessionPolicy(String sessionId, Policy policy, Tier tier, Enforcement limits, CredentialBroker broker) {
        this.sessionId = sessionId;
        this.policy = policy;
        this.tier = tier;
        this.limits = limits;
        this.broker = broker;
    }

    /**
     * Checks the policy and starts its broker.
     *
     * @param tier the session's tier: namespace or vm (already checked with
     *     {@link dev.palisade.sandbox.VmRefusals})
     * @throws ProtocolException {@code session-failed} naming the problem
     */
    static SessionPolicy start(String sessionId, Policy policy, Tier tier, EventSink events) throws ProtocolException {
        if (tier == Tier.DIRECT) {
            throw new ProtocolException("session-failed", "the daemon runs namespace- and vm-tier sessions only (tier "
                    + tier.cliName() + ")");
        }
        try {
            Enforcement limits = policy.limits().equals(Limits.NONE) ? null : Enforcement.plan(policy.limits(), tier);
            // Fail at create, not at the first exec, on a bad seccomp profile.
            SeccompFilter.forPolicy(policy.seccomp(), tier, Path.of("/"), !policy.network().allowUnixSockets().isEmpty());
            CredentialBroker broker = null;
            if (!policy.credentials().isEmpty()) {
                EgressRules net = policy.network();
                if (net.allowedDomains().isEmpty()) {
                    throw new ProtocolException("session-failed",
                            "credentials need network.allowedDomains to include their hosts; the sandbox has no network");
                }
                broker = CredentialBroker.start(new BrokerConfig(sessionId, policy.credentials()),
                        host -> net.permitsName(host, 443), events);
            }
            return new SessionPolicy(sessionId, policy, tier, limits, broker);
        } catch (LimitsException | SeccompException | BrokerStartupException | IllegalArgumentException e) {
            throw new ProtocolException("session-failed", e.getMessage());
        }
    }

    Policy policy() {
        return policy;
    }

    /** Per credential, the values output must not show (secret and placeholder); empty without credentials. */
    Map<String, List<String>> redactions() {
        return broker == null ? Map.of() : broker.redactions();
    }

    /**
     * The extensions of one command, and the private folder its network bridge uses (null if it
     * has no network), to be deleted when the command has ended.
     */
    record Launch(List<SandboxExtension> extensions, Path netDir) {
    }

    Launch launch(String processNumber, EventSink events) throws IOException {
        List<SandboxExtension> ext = new ArrayList<>();
        if (limits != null) {
            ext.add(limits.forCommand(sessionId));
        }
        EgressRules net = policy.network();
        try {
            SeccompFilter.forPolicy(policy.seccomp(), tier, Path.of("/"), !net.allowUnixSockets().isEmpty())
                    .ifPresent(ext::add);
        } catch (SeccompException e) {
            throw new IOException(e.getMessage(), e);
        }
        Path netDir = null;
        if (!net.allowedDomains().isEmpty() || !net.allowUnixSockets().isEmpty()) {
            netDir = RuntimeDirs.privateDir(RuntimeDirs.base().resolve("net-" + sessionId + "-" + processNumber));
            ext.add(new NetworkBridge(sessionId, net, Resolver.SYSTEM, events, broker, netDir, List.of()));
            if (broker != null) {
                ext.add(new SessionScoped(broker));
            }
        }
        return new Launch(ext, netDir);
    }

    /** The broker as one command's extension: prepares the launch but stays open for the next command. */
    private record SessionScoped(CredentialBroker broker) implements SandboxExtension {
        @Override
        public void prepare(LaunchPlan plan) {
            broker.prepare(plan);
        }
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
    }
}
