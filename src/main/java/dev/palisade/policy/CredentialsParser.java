package dev.palisade.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.palisade.broker.CommandSecret;
import dev.palisade.broker.CredentialSpec;
import dev.palisade.broker.EnvSecret;
import dev.palisade.broker.FileSecret;
import dev.palisade.broker.HeaderInjection;
import dev.palisade.broker.HostPattern;
import dev.palisade.broker.Injection;
import dev.palisade.broker.MissingPlaceholder;
import dev.palisade.broker.QueryInjection;
import dev.palisade.broker.SecretSource;
import tools.jackson.databind.JsonNode;

/** Reads the {@code credentials} key: the secrets the broker swaps in for placeholders. */
final class CredentialsParser {
    private static final Set<String> KEYS = Set.of("name", "hosts", "ports", "source", "header", "query", "onMissing");
    private static final Set<String> SOURCE_KEYS = Set.of("env", "file", "command", "maxAgeSeconds", "timeoutSeconds");

    private CredentialsParser() {
    }

    static List<CredentialSpec> parse(JsonNode node) throws PolicyException {
        List<CredentialSpec> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!node.isArray()) {
            throw new PolicyException("credentials: expected an array of objects");
        }
        int i = 0;
        for (JsonNode c : node.values()) {
            String key = "credentials[" + i++ + "]";
            if (!c.isObject()) {
                throw new PolicyException(key + ": expected an object");
            }
            unknown(c, KEYS, key);
            try {
                String name = text(c, "name", key);
                List<HostPattern> hosts = new ArrayList<>();
                for (JsonNode h : array(c, "hosts", key)) {
                    hosts.add(new HostPattern(h.asString()));
                }
                Set<Integer> ports = new LinkedHashSet<>();
                if (c.has("ports")) {
                    for (JsonNode p : array(c, "ports", key)) {
                        if (!p.isIntegralNumber() || p.intValue() < 1 || p.intValue() > 65535) {
                            throw new PolicyException(key + ".ports: expected port numbers 1-65535, got " + p);
                        }
                        ports.add(p.intValue());
                    }
                } else {
                    ports.add(443);
                }
                SecretSource source = source(c.get("source"), key + ".source");
                if (c.has("header") == c.has("query")) {
                    throw new PolicyException(key + ": give exactly one of \"header\" (e.g. \"Authorization: Bearer {}\")"
                            + " or \"query\" (a parameter name)");
                }
                Injection injection = c.has("header") ? HeaderInjection.parse(text(c, "header", key))
                        : new QueryInjection(text(c, "query", key));
                MissingPlaceholder onMissing = c.has("onMissing")
                        ? MissingPlaceholder.valueOf(text(c, "onMissing", key).toUpperCase(Locale.ROOT))
                        : MissingPlaceholder.PASS;
                out.add(new CredentialSpec(name, hosts, ports, source, injection, onMissing));
            } catch (IllegalArgumentException e) {
                throw new PolicyException(key + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static SecretSource source(JsonNode s, String key) throws PolicyException {
        if (s == null || !s.isObject()) {
            throw new PolicyException(key + ": expected {\"env\": NAME} or {\"file\": PATH} or {\"command\": [ARGV]}");
        }
        unknown(s, SOURCE_KEYS, key);
        int kinds = (s.has("env") ? 1 : 0) + (s.has("file") ? 1 : 0) + (s.has("command") ? 1 : 0);
        if (kinds != 1) {
            throw new PolicyException(key + ": give exactly one of env, file or command");
        }
        if (s.has("env")) {
            return new EnvSecret(text(s, "env", key));
        }
        if (s.has("file")) {
            return new FileSecret(Path.of(PolicyParser.expand(text(s, "file", key), key + ".file")));
        }
        List<String> argv = new ArrayList<>();
        for (JsonNode a : array(s, "command", key)) {
            if (!a.isString()) {
                throw new PolicyException(key + ".command: expected strings");
            }
            argv.add(a.stringValue());
        }
        long maxAge = s.has("maxAgeSeconds") ? s.get("maxAgeSeconds").asLong() : 0;
        long timeout = s.has("timeoutSeconds") ? s.get("timeoutSeconds").asLong() : 30;
        return new CommandSecret(argv, Duration.ofSeconds(maxAge), Duration.ofSeconds(timeout));
    }

    private static void unknown(JsonNode node, Set<String> known, String key) throws PolicyException {
        for (String n : node.propertyNames()) {
            if (!known.contains(n)) {
                throw new PolicyException("unknown key '" + key + "." + n + "' (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private static String text(JsonNode node, String field, String key) throws PolicyException {
        JsonNode v = node.get(field);
        if (v == null || !v.isString()) {
            throw new PolicyException(key + "." + field + ": expected a string");
        }
        return v.stringValue();
    }

    private static Iterable<JsonNode> array(JsonNode node, String field, String key) throws PolicyException {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new PolicyException(key + "." + field + ": expected a non-empty array");
        }
        return v.values();
    }
}
