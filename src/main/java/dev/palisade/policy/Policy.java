package dev.palisade.policy;

import java.util.List;
import java.util.Objects;

import dev.palisade.broker.CredentialSpec;
import dev.palisade.limits.Limits;
import dev.palisade.net.EgressRules;
import dev.palisade.sandbox.Tier;

/**
 * The effective policy of a session: the tier, the folders, the filesystem and network rules.
 *
 * @param tier the isolation tier
 * @param mounts the folders, in order (the first is the working directory)
 * @param filesystem the filesystem rules
 * @param network the network rules (no allowed domain: no network at all)
 * @param limits the resource limits
 * @param seccomp the seccomp profile: "default", "none" (direct tier only) or a profile file
 * @param credentials secrets the broker swaps in for placeholders on their hosts
 * @param vmImage the vm tier's image ({@code vm.image}: NAME or NAME-VERSION), or null for the default
 */
public record Policy(Tier tier, List<MountEntry> mounts, FilesystemPolicy filesystem, EgressRules network,
        Limits limits, String seccomp, List<CredentialSpec> credentials, String vmImage) {
    /** The policy when none is given: namespace tier, no folders, default rules, no network, no limits. */
    public static final Policy DEFAULT = new Policy(Tier.NAMESPACE, List.of(), FilesystemPolicy.DEFAULT,
            EgressRules.allowing(List.of()), Limits.NONE, "default", List.of(), null);

    /** Validates and copies. */
    public Policy {
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(filesystem, "filesystem");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(seccomp, "seccomp");
        credentials = List.copyOf(credentials);
        mounts = List.copyOf(mounts);
    }

    /** A policy with the default VM image. */
    public Policy(Tier tier, List<MountEntry> mounts, FilesystemPolicy filesystem, EgressRules network,
            Limits limits, String seccomp, List<CredentialSpec> credentials) {
        this(tier, mounts, filesystem, network, limits, seccomp, credentials, null);
    }

    /** A policy without resource limits. */
    public Policy(Tier tier, List<MountEntry> mounts, FilesystemPolicy filesystem, EgressRules network) {
        this(tier, mounts, filesystem, network, Limits.NONE, "default", List.of(), null);
    }

    /** A policy with the default seccomp profile. */
    public Policy(Tier tier, List<MountEntry> mounts, FilesystemPolicy filesystem, EgressRules network, Limits limits) {
        this(tier, mounts, filesystem, network, limits, "default", List.of(), null);
    }

    /** A copy with other limits. */
    public Policy withLimits(Limits newLimits) {
        return new Policy(tier, mounts, filesystem, network, newLimits, seccomp, credentials, vmImage);
    }

    /** A copy with another tier. */
    public Policy withTier(Tier newTier) {
        return new Policy(newTier, mounts, filesystem, network, limits, seccomp, credentials, vmImage);
    }

    /** A copy with more folders after the policy's own. */
    public Policy withMoreMounts(List<MountEntry> more) {
        List<MountEntry> all = new java.util.ArrayList<>(mounts);
        all.addAll(more);
        return new Policy(tier, all, filesystem, network, limits, seccomp, credentials, vmImage);
    }

    /** A copy with more allowed domains. */
    public Policy withMoreAllowedDomains(List<String> more) {
        return new Policy(tier, mounts, filesystem, network.withAllowedDomains(more), limits, seccomp, credentials, vmImage);
    }
}
