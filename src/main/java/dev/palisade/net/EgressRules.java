package dev.palisade.net;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's network policy, as read from the {@code network} section of a policy file plus the
 * command line.
 *
 * <p>JSON keys: {@code network.allowedDomains} and {@code --allow-domain} → {@link #allowedDomains};
 * {@code network.deniedDomains} → {@link #deniedDomains}; {@code network.allowPrivateAddresses} →
 * {@link #allowPrivateAddresses}; {@code network.allowUnixSockets} → {@link #allowUnixSockets};
 * {@code network.maxConnections} → {@link #maxConnections}; {@code network.maxBytes} →
 * {@link #maxBytes}.
 *
 * @param allowedDomains names ({@code example.com}), subdomain wildcards ({@code *.example.com},
 *     not the apex), IP addresses or CIDR ranges (which make those literal targets reachable), each
 *     optionally {@code :PORT}; nothing else is reachable
 * @param deniedDomains the same forms; a match refuses even when an allow rule matches (deny
 *     wins), and address forms also refuse names that resolve into them
 * @param allowPrivateAddresses CIDR ranges that allowed names may resolve to although they are
 *     loopback, private, link-local, CGNAT, multicast, unspecified or reserved; this never makes an
 *     IP literal target reachable
 * @param allowUnixSockets absolute paths of host Unix sockets bound into the sandbox one by one
 * @param maxConnections the most proxied connections a session may have open at once
 * @param maxBytes the most bytes a session may move through the proxies in both directions
 */
public record EgressRules(
        List<String> allowedDomains,
        List<String> deniedDomains,
        List<String> allowPrivateAddresses,
        List<String> allowUnixSockets,
        int maxConnections,
        long maxBytes) {

    /** Default for {@link #maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 256;
    /** Default for {@link #maxBytes}: 64 GiB. */
    public static final long DEFAULT_MAX_BYTES = 64L << 30;

    /**
     * Validates every entry and copies the lists.
     *
     * @throws IllegalArgumentException naming the first bad entry
     */
    public EgressRules {
        allowedDomains = List.copyOf(allowedDomains);
        deniedDomains = List.copyOf(deniedDomains);
        allowPrivateAddresses = List.copyOf(allowPrivateAddresses);
        allowUnixSockets = List.copyOf(allowUnixSockets);
        allowedDomains.forEach(DomainRule::parse);
        deniedDomains.forEach(DomainRule::parse);
        allowPrivateAddresses.forEach(Cidr::parse);
        for (String s : allowUnixSockets) {
            Path p = Path.of(s);
            if (!p.isAbsolute() || !p.normalize().equals(p) || s.contains("//")) {
                throw new IllegalArgumentException("network.allowUnixSockets entry must be an absolute normalized path: '"
                        + s + "'");
            }
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("network.maxConnections must be at least 1: " + maxConnections);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("network.maxBytes must be at least 1: " + maxBytes);
        }
    }

    /**
     * Rules that allow exactly the given names, with default caps.
     *
     * @param allowedDomains the allow list
     * @return the rules
     */
    public static EgressRules allowing(List<String> allowedDomains) {
        return new EgressRules(allowedDomains, List.of(), List.of(), List.of(), DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_BYTES);
    }

    /**
     * These rules plus more allowed domains (the CLI's {@code --allow-domain}).
     *
     * @param more entries to add to {@link #allowedDomains}
     * @return new rules
     */
    public EgressRules withAllowedDomains(List<String> more) {
        List<String> all = new ArrayList<>(allowedDomains);
        all.addAll(more);
        return new EgressRules(all, deniedDomains, allowPrivateAddresses, allowUnixSockets, maxConnections, maxBytes);
    }

    /**
     * Whether a canonical host name on a port is allowed by name alone (deny wins), without DNS:
     * for checking at start-up that a credential is bound only to reachable hosts.
     *
     * @param canonicalName a lower-case, punycode host name
     * @param port the port
     * @return true if an allow rule covers it and no deny rule does
     */
    public boolean permitsName(String canonicalName, int port) {
        Host.Name host = new Host.Name(canonicalName);
        return compiledAllowed().stream().anyMatch(r -> r.matches(host, port))
                && compiledDenied().stream().noneMatch(r -> r.matches(host, port));
    }

    List<DomainRule> compiledAllowed() {
        return allowedDomains.stream().map(DomainRule::parse).toList();
    }

    List<DomainRule> compiledDenied() {
        return deniedDomains.stream().map(DomainRule::parse).toList();
    }

    List<Cidr> compiledPrivate() {
        return allowPrivateAddresses.stream().map(Cidr::parse).toList();
    }
}
