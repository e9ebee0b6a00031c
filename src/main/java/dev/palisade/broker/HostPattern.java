package dev.palisade.broker;

import java.net.IDN;
import java.util.Locale;
import java.util.Objects;

/**
 * A host a credential is bound to: an exact name ({@code api.example.com}) or a wildcard
 * ({@code *.example.com}, which matches subdomains only, never the apex) — the same semantics as
 * the network allowlist. Stored in canonical form: lower case, no trailing dot, IDNA (punycode).
 *
 * @param pattern the canonical pattern
 */
public record HostPattern(String pattern) {
    /** Validates and canonicalizes. */
    public HostPattern {
        Objects.requireNonNull(pattern, "pattern");
        boolean wildcard = pattern.startsWith("*.");
        String name = canonicalHost(wildcard ? pattern.substring(2) : pattern);
        if (name == null || name.contains("*")) {
            throw new IllegalArgumentException("invalid credential host pattern '" + pattern
                    + "' (expected a host name or *.domain)");
        }
        pattern = wildcard ? "*." + name : name;
    }

    /** Whether this is a {@code *.domain} pattern. */
    public boolean wildcard() {
        return pattern.startsWith("*.");
    }

    /**
     * Whether a host matches.
     *
     * @param host a host name, in any case, with or without a trailing dot
     * @return true if it matches (a wildcard never matches its apex)
     */
    public boolean matches(String host) {
        String h = canonicalHost(host);
        if (h == null) {
            return false;
        }
        if (wildcard()) {
            String suffix = pattern.substring(1); // ".example.com"
            return h.endsWith(suffix) && h.length() > suffix.length();
        }
        return h.equals(pattern);
    }

    /**
     * A host name to ask the network allowlist about: the name itself, or for a wildcard a
     * subdomain that no real host is likely to have, so that only an allowlist allowing every
     * subdomain says yes.
     */
    String allowlistProbe() {
        return wildcard() ? "palisade-credential-probe" + pattern.substring(1) : pattern;
    }

    /**
     * Canonical form of a host name (lower case, one trailing dot dropped, IDNA to ASCII), or
     * null when it is not a plausible DNS name (RFC 1035 letters, digits, hyphens; labels 1–63).
     */
    static String canonicalHost(String host) {
        if (host == null) {
            return null;
        }
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (h.isEmpty()) {
            return null;
        }
        try {
            h = IDN.toASCII(h, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (h.isEmpty() || h.length() > 253) {
            return null;
        }
        for (String label : h.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return null;
            }
        }
        return h;
    }
}
