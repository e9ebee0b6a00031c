package dev.palisade.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import dev.palisade.api.EventSink;
import dev.palisade.api.ViolationEvent;

/**
 * The one place where a network connection is judged, for both proxies: canonicalize the target,
 * apply deny then allow rules, resolve an allowed name once, check every address it resolved to,
 * and pick the address to connect to. Every refusal is reported as a {@link ViolationEvent}.
 */
public final class EgressPolicy {
    private final List<DomainRule> allowed;
    private final List<DomainRule> denied;
    private final List<Cidr> privateAllowed;
    private final Resolver resolver;
    private final EventSink events;
    private final String sessionId;

    /**
     * Compiles a policy.
     *
     * @param rules the session's rules
     * @param resolver resolves allowed names
     * @param events receives a violation for every refusal
     * @param sessionId the session the violations belong to
     */
    public EgressPolicy(EgressRules rules, Resolver resolver, EventSink events, String sessionId) {
        this.allowed = rules.compiledAllowed();
        this.denied = rules.compiledDenied();
        this.privateAllowed = rules.compiledPrivate();
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.events = Objects.requireNonNull(events, "events");
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
    }

    /**
     * Judges a connection to {@code rawHost}:{@code rawPort}, both exactly as the client sent them.
     *
     * @param rawHost the host text (name, IP literal in any spelling, bracketed IPv6)
     * @param rawPort the port text
     * @return the verdict
     */
    public Verdict decide(String rawHost, String rawPort) {
        int port;
        try {
            port = Host.parsePort(rawPort);
        } catch (MalformedTargetException e) {
            return deny(Verdict.Kind.MALFORMED, display(rawHost) + ":" + display(rawPort), e.getMessage(), "");
        }
        return decide(rawHost, port);
    }

    /**
     * Judges a connection to {@code rawHost} on a port already read as a number.
     *
     * @param rawHost the host text exactly as the client sent it
     * @param port the port (0 and out-of-range ports are refused as malformed)
     * @return the verdict
     */
    public Verdict decide(String rawHost, int port) {
        String target = display(rawHost) + ":" + port;
        if (port < 1 || port > 65535) {
            return deny(Verdict.Kind.MALFORMED, target, "invalid port", "");
        }
        Host host;
        try {
            host = Host.parse(rawHost);
        } catch (MalformedTargetException e) {
            return deny(Verdict.Kind.MALFORMED, target, "malformed host: " + e.getMessage(), "");
        }
        String canonical = host.text() + ":" + port;
        for (DomainRule r : denied) {
            if (r.matches(host, port)) {
                return deny(Verdict.Kind.FORBIDDEN, canonical, "network.deniedDomains: " + r.entry(),
                        "remove \"" + r.entry() + "\" from network.deniedDomains");
            }
        }
        DomainRule allow = null;
        for (DomainRule r : allowed) {
            if (r.matches(host, port)) {
                allow = r;
                break;
            }
        }
        if (allow == null) {
            String advice = switch (host) {
                case Host.Name n -> "add \"" + n.name() + "\" to network.allowedDomains in the policy, or pass --allow-domain "
                        + n.name();
                case Host.Address a -> "IP addresses are refused unless an address rule allows them: add \""
                        + a.text() + "\" to network.allowedDomains (prefer allowing a domain name)";
            };
            String rule = switch (host) {
                case Host.Name n -> "not in network.allowedDomains";
                case Host.Address a -> "IP literal not in network.allowedDomains";
            };
            return deny(Verdict.Kind.FORBIDDEN, canonical, rule, advice);
        }
        return switch (host) {
            // An address rule allowed this literal explicitly: no classification, no lookup.
            case Host.Address a -> new Verdict.Allowed(a.text(), port, a.address(), "network.allowedDomains: " + allow.entry());
            case Host.Name n -> resolveAndCheck(n.name(), port, canonical, allow);
        };
    }

    private Verdict resolveAndCheck(String name, int port, String canonical, DomainRule allow) {
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(name);
        } catch (UnknownHostException e) {
            return deny(Verdict.Kind.UNRESOLVABLE, canonical, "name does not resolve", "");
        }
        if (addresses == null || addresses.isEmpty()) {
            return deny(Verdict.Kind.UNRESOLVABLE, canonical, "name does not resolve", "");
        }
        // Every answer must pass: a name that answers with both a public and an internal address is
        // treated as an attack on the internal one, not load balancing.
        for (InetAddress a : addresses) {
            for (DomainRule r : denied) {
                if (r.matchesAddress(a, port)) {
                    return deny(Verdict.Kind.FORBIDDEN, canonical, "network.deniedDomains: " + r.entry()
                            + " (resolved to " + Host.literal(a) + ")", "remove \"" + r.entry() + "\" from network.deniedDomains");
                }
            }
            AddressClass c = AddressClass.of(a);
            if (c != AddressClass.PUBLIC && privateAllowed.stream().noneMatch(r -> r.contains(a))) {
                return deny(Verdict.Kind.FORBIDDEN, canonical, "resolved to " + c.label() + " address " + Host.literal(a),
                        "add \"" + Host.literal(a) + "\" to network.allowPrivateAddresses if this is intended");
            }
        }
        InetAddress chosen = addresses.stream().filter(a -> a instanceof Inet4Address).findFirst().orElse(addresses.get(0));
        return new Verdict.Allowed(name, port, chosen, "network.allowedDomains: " + allow.entry());
    }

    /**
     * Records a refusal that is not about the target itself (a cap, an unsupported command).
     *
     * @param kind the kind
     * @param target what was attempted
     * @param rule the rule or limit
     * @param advice how to allow it, or empty
     * @return the refusal
     */
    Verdict.Denied deny(Verdict.Kind kind, String target, String rule, String advice) {
        Verdict.Denied d = new Verdict.Denied(kind, target, rule, advice);
        events.accept(new ViolationEvent(Instant.now(), sessionId, "network", "connect", target, rule));
        return d;
    }

    /** Makes client-supplied text safe to show: printable ASCII kept, the rest escaped, bounded. */
    static String display(String raw) {
        if (raw == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < raw.length() && sb.length() < 300; i++) {
            char c = raw.charAt(i);
            if (c >= 0x21 && c < 0x7f && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }
}
