package dev.palisade.policy;

import java.util.List;

/**
 * The network rules, in the keys of {@code @anthropic-ai/sandbox-runtime}.
 *
 * @param allowedDomains domains reachable through the proxies ({@code *.example.com} for subdomains)
 * @param deniedDomains domains refused even if allowed (deny wins)
 * @param allowUnixSockets host Unix sockets bound into the sandbox individually
 */
public record NetworkPolicy(List<String> allowedDomains, List<String> deniedDomains, List<String> allowUnixSockets) {
    /** No network at all. */
    public static final NetworkPolicy NONE = new NetworkPolicy(List.of(), List.of(), List.of());

    /** Copies. */
    public NetworkPolicy {
        allowedDomains = List.copyOf(allowedDomains);
        deniedDomains = List.copyOf(deniedDomains);
        allowUnixSockets = List.copyOf(allowUnixSockets);
    }

    /** Whether the sandbox gets any egress at all. */
    public boolean anyEgress() {
        return !allowedDomains.isEmpty();
    }
}
