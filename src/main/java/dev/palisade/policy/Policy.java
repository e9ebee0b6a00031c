package dev.palisade.policy;

import java.util.List;
import java.util.Objects;

import dev.palisade.net.EgressRules;
import dev.palisade.sandbox.Tier;

/**
 * The effective policy of a session: the tier, the folders, the filesystem and network rules.
 *
 * @param tier the isolation tier
 * @param mounts the folders, in order (the first is the working directory)
 * @param filesystem the filesystem rules
 * @param network the network rules (no allowed domain: no network at all)
 */
public record Policy(Tier tier, List<MountEntry> mounts, FilesystemPolicy filesystem, EgressRules network) {
    /** The policy when none is given: namespace tier, no folders, default rules, no network. */
    public static final Policy DEFAULT = new Policy(Tier.NAMESPACE, List.of(), FilesystemPolicy.DEFAULT,
            EgressRules.allowing(List.of()));

    /** Validates and copies. */
    public Policy {
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(filesystem, "filesystem");
        Objects.requireNonNull(network, "network");
        mounts = List.copyOf(mounts);
    }

    /** A copy with another tier. */
    public Policy withTier(Tier newTier) {
        return new Policy(newTier, mounts, filesystem, network);
    }

    /** A copy with more folders after the policy's own. */
    public Policy withMoreMounts(List<MountEntry> more) {
        List<MountEntry> all = new java.util.ArrayList<>(mounts);
        all.addAll(more);
        return new Policy(tier, all, filesystem, network);
    }

    /** A copy with more allowed domains. */
    public Policy withMoreAllowedDomains(List<String> more) {
        return new Policy(tier, mounts, filesystem, network.withAllowedDomains(more));
    }
}
