package dev.palisade.net;

import java.net.InetAddress;
import java.util.Locale;

/**
 * One compiled entry of {@code network.allowedDomains} or {@code network.deniedDomains}.
 *
 * <p>Forms: {@code example.com} (that name only), {@code *.example.com} (any subdomain, not the
 * apex), an IP address or CIDR range ({@code 127.0.0.1}, {@code 10.0.0.0/8}, {@code [::1]}), each
 * optionally with {@code :PORT} (not with a CIDR range). Names are canonicalized exactly as
 * connection targets are, so {@code Bücher.example.} and {@code xn--bcher-kva.example} are the same
 * rule.
 *
 * @param entry the entry as written, for messages
 * @param name the canonical name (exact) or the suffix after {@code *.} (wildcard); null for ranges
 * @param wildcard whether {@code name} is a subdomain pattern
 * @param range the address range; null for names
 * @param port the only port allowed, or 0 for any
 */
record DomainRule(String entry, String name, boolean wildcard, Cidr range, int port) {
    DomainRule {
        if ((name == null) == (range == null)) {
            throw new IllegalArgumentException("rule needs exactly one of name and range: " + entry);
        }
    }

    /**
     * Parses one entry.
     *
     * @param entry the policy entry
     * @return the rule
     * @throws IllegalArgumentException naming the entry and what is wrong with it
     */
    static DomainRule parse(String entry) {
        if (entry == null || entry.isBlank()) {
            throw new IllegalArgumentException("empty network rule");
        }
        String body = entry;
        int port = 0;
        if (body.startsWith("[")) {
            int close = body.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("invalid network rule '" + entry + "': missing ]");
            }
            String rest = body.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":") && !rest.startsWith("/")) {
                throw new IllegalArgumentException("invalid network rule '" + entry + "'");
            }
            if (rest.startsWith(":")) {
                port = port(entry, rest.substring(1));
                body = body.substring(0, close + 1);
            }
        } else if (body.chars().filter(c -> c == ':').count() == 1) {
            int colon = body.indexOf(':');
            port = port(entry, body.substring(colon + 1));
            body = body.substring(0, colon);
        }
        if (looksLikeAddress(body)) {
            String inner = body.startsWith("[") ? body.substring(1, body.indexOf(']')) + body.substring(body.indexOf(']') + 1)
                    : body;
            Cidr c = Cidr.parse(inner.toLowerCase(Locale.ROOT));
            if (port != 0 && c.prefix() != c.network().getAddress().length * 8) {
                throw new IllegalArgumentException("invalid network rule '" + entry + "': a port needs a single address");
            }
            return new DomainRule(entry, null, false, c, port);
        }
        boolean wildcard = false;
        if (body.startsWith("*.")) {
            wildcard = true;
            body = body.substring(2);
        }
        if (body.indexOf('*') >= 0) {
            throw new IllegalArgumentException("invalid network rule '" + entry
                    + "': '*' is only allowed as a leading '*.' label");
        }
        Host h;
        try {
            h = Host.parse(body);
        } catch (MalformedTargetException e) {
            throw new IllegalArgumentException("invalid network rule '" + entry + "': " + e.getMessage(), e);
        }
        return switch (h) {
            case Host.Name n -> {
                if (wildcard && n.name().indexOf('.') < 0) {
                    throw new IllegalArgumentException("invalid network rule '" + entry
                            + "': a wildcard needs at least two labels after '*.'");
                }
                yield new DomainRule(entry, n.name(), wildcard, null, port);
            }
            case Host.Address a -> {
                if (wildcard) {
                    throw new IllegalArgumentException("invalid network rule '" + entry + "': wildcard on an address");
                }
                yield new DomainRule(entry, null, false, new Cidr(a.address(), a.address().getAddress().length * 8), port);
            }
        };
    }

    private static boolean looksLikeAddress(String body) {
        return body.startsWith("[") || body.indexOf('/') >= 0 || body.indexOf(':') >= 0;
    }

    private static int port(String entry, String text) {
        try {
            return Host.parsePort(text);
        } catch (MalformedTargetException e) {
            throw new IllegalArgumentException("invalid port in network rule '" + entry + "'", e);
        }
    }

    /** Whether this rule covers a connection to the canonical host on the port. */
    boolean matches(Host host, int targetPort) {
        if (port != 0 && port != targetPort) {
            return false;
        }
        return switch (host) {
            case Host.Name n -> name != null && (wildcard ? n.name().endsWith("." + name) : n.name().equals(name));
            case Host.Address a -> range != null && range.contains(a.address());
        };
    }

    /** Whether this rule's address range covers a resolved address on the port. */
    boolean matchesAddress(InetAddress address, int targetPort) {
        return range != null && (port == 0 || port == targetPort) && range.contains(address);
    }
}
