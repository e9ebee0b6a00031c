package dev.palisade.net;

import java.net.InetAddress;
import java.util.Objects;

/** The outcome of {@link EgressPolicy#decide}: a closed set, switched over by both proxies. */
public sealed interface Verdict {
    /**
     * The connection may go ahead, to {@code address} and nowhere else.
     *
     * @param host the canonical host text (name, or address literal)
     * @param port the port
     * @param address the checked address to connect to
     * @param rule the rule that allowed it
     */
    record Allowed(String host, int port, InetAddress address, String rule) implements Verdict {
        /** Validates. */
        public Allowed {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(rule, "rule");
        }
    }

    /**
     * The connection is refused.
     *
     * @param kind why, for the protocol's reply code
     * @param target the target as the client gave it (sanitized for display)
     * @param rule the rule that refused it
     * @param advice how a user could allow it, or an empty string when it cannot be allowed
     */
    record Denied(Kind kind, String target, String rule, String advice) implements Verdict {
        /** Validates. */
        public Denied {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(advice, "advice");
        }
    }

    /** Why a connection was refused. */
    enum Kind {
        /** The target could not be parsed or canonicalized (HTTP 400). */
        MALFORMED,
        /** A rule refused it (HTTP 403, SOCKS 0x02). */
        FORBIDDEN,
        /** An allowed name did not resolve (HTTP 502, SOCKS 0x04). */
        UNRESOLVABLE,
        /** A per-session cap was reached (HTTP 503, SOCKS 0x01). */
        LIMIT
    }
}
