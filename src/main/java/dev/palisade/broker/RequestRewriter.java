package dev.palisade.broker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts real secrets into a request head where — and only where — their credentials say, for a
 * host they are bound to; finds placeholders anywhere else.
 */
final class RequestRewriter {
    private final List<Binding> bindings;

    RequestRewriter(List<Binding> bindings) {
        this.bindings = List.copyOf(bindings);
    }

    /**
     * Rewrites a request head for the tunnel {@code host}:{@code port}.
     *
     * @param req the head as the client sent it
     */
    Rewrite apply(HttpHead req, String host, int port) {
        List<String> misplaced = new ArrayList<>();
        Map<Binding, String> injected = new HashMap<>();
        String[] parts = req.startParts();
        String target = parts.length == 3 ? parts[1] : "";

        // RFC 9110 §7.2: the Host names the origin; a server behind a shared front end routes on
        // it, so a secret for host A must not ride on a request addressed to host B.
        String hostError = checkAuthority(req, target, host, port);
        if (hostError != null) {
            return new Rewrite(req, Map.of(), List.of(), hostError, 421);
        }

        String newTarget = target;
        for (Binding b : bindings) {
            if (b.spec().injection() instanceof QueryInjection q && b.spec().boundTo(host, port)) {
                String secret = b.secret().current();
                String replaced = replaceQuery(newTarget, q.parameter(), b.placeholder(), percentEncode(secret));
                if (!replaced.equals(newTarget)) {
                    newTarget = replaced;
                    injected.put(b, secret);
                }
            }
        }
        for (Binding b : bindings) {
            if (newTarget.contains(b.placeholder())) {
                misplaced.add(b.spec().name() + " in the URL");
            }
        }

        List<HttpField> fields = new ArrayList<>(req.fields().size());
        for (HttpField f : req.fields()) {
            HttpField out = f;
            for (Binding b : bindings) {
                if (b.spec().injection() instanceof HeaderInjection h && f.is(h.name()) && b.spec().boundTo(host, port)
                        && f.value().equals(h.fill(b.placeholder()))) {
                    String secret = b.secret().current();
                    out = new HttpField(f.name(), h.fill(secret));
                    injected.put(b, secret);
                    break;
                }
            }
            if (out == f) {
                for (Binding b : bindings) {
                    if (f.value().contains(b.placeholder()) || f.name().contains(b.placeholder())) {
                        misplaced.add(b.spec().name() + " in header " + f.name());
                    }
                }
            }
            fields.add(out);
        }

        String refusal = null;
        for (Binding b : bindings) {
            if (b.spec().boundTo(host, port) && b.spec().onMissing() == MissingPlaceholder.REFUSE
                    && !injected.containsKey(b)) {
                refusal = "credential " + b.spec().name() + " requires its placeholder in " + where(b.spec())
                        + " of every request to " + host;
                break;
            }
        }
        String line = parts.length == 3 ? parts[0] + " " + newTarget + " " + parts[2] : req.startLine();
        HttpHead head = new HttpHead(line, fields);
        if (!injected.isEmpty()) {
            // An echo of the secret can only be masked in a body the broker can read: ask for no
            // content coding (RFC 9110 §12.5.3) when a secret went out.
            head = head.without("Accept-Encoding").with("Accept-Encoding", "identity");
        }
        return new Rewrite(head, injected, misplaced, refusal, refusal == null ? 0 : 403);
    }

    static String where(CredentialSpec spec) {
        return switch (spec.injection()) {
            case HeaderInjection h -> "header '" + h.name() + ": " + h.template() + "'";
            case QueryInjection q -> "query parameter '" + q.parameter() + "'";
        };
    }

    private static String checkAuthority(HttpHead req, String target, String host, int port) {
        List<String> hosts = req.values("Host");
        if (hosts.size() != 1) {
            return "a request needs exactly one Host header";
        }
        if (!authorityMatches(hosts.getFirst(), host, port)) {
            return "Host header does not name the tunnel's host " + host;
        }
        String lower = target.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            String rest = target.substring(target.indexOf("://") + 3);
            int end = rest.length();
            for (char c : new char[] {'/', '?', '#'}) {
                int i = rest.indexOf(c);
                if (i >= 0 && i < end) {
                    end = i;
                }
            }
            if (!authorityMatches(rest.substring(0, end), host, port)) {
                return "request target does not name the tunnel's host " + host;
            }
        } else if (!target.startsWith("/") && !target.equals("*")) {
            return "unsupported request target";
        }
        return null;
    }

    private static boolean authorityMatches(String authority, String host, int port) {
        if (authority.contains("@")) {
            return false;
        }
        String name = authority;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0) {
            String p = authority.substring(colon + 1);
            if (!p.matches("[0-9]{1,5}") || Integer.parseInt(p) != port) {
                return false;
            }
            name = authority.substring(0, colon);
        }
        String canon = HostPattern.canonicalHost(name);
        return host.equals(canon);
    }

    /** Replaces {@code name=placeholder} in the query of a request target, nowhere else. */
    private static String replaceQuery(String target, String name, String placeholder, String value) {
        int q = target.indexOf('?');
        if (q < 0) {
            return target;
        }
        int hash = target.indexOf('#', q);
        String query = hash < 0 ? target.substring(q + 1) : target.substring(q + 1, hash);
        String[] pairs = query.split("&", -1);
        boolean changed = false;
        for (int i = 0; i < pairs.length; i++) {
            if (pairs[i].equals(name + "=" + placeholder)) {
                pairs[i] = name + "=" + value;
                changed = true;
            }
        }
        if (!changed) {
            return target;
        }
        return target.substring(0, q + 1) + String.join("&", pairs) + (hash < 0 ? "" : target.substring(hash));
    }

    /** RFC 3986 §2.1 percent-encoding of everything but unreserved characters. */
    static String percentEncode(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }
}
