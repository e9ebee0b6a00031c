package dev.palisade.broker;

import java.util.Objects;

/**
 * The secret goes in a request header. The client sends the header with the placeholder in
 * place of {@code {}} (e.g. {@code Authorization: Bearer palisade-placeholder-…}); the broker
 * replaces it only when the whole value matches the template.
 *
 * @param name the header name (case-insensitive on the wire)
 * @param template the value, with exactly one {@code {}} where the secret goes
 */
public record HeaderInjection(String name, String template) implements Injection {
    /** Validates. */
    public HeaderInjection {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(template, "template");
        // RFC 9110 §5.1: a field name is a token.
        if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
            throw new IllegalArgumentException("invalid header name '" + name + "'");
        }
        int first = template.indexOf("{}");
        if (first < 0 || template.indexOf("{}", first + 2) >= 0) {
            throw new IllegalArgumentException("header template must contain {} exactly once: '" + template + "'");
        }
        if (template.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("header template contains control characters");
        }
    }

    /**
     * Parses the short form {@code "Authorization: Bearer {}"} or {@code "x-api-key: {}"}.
     *
     * @param spec name, colon, value template
     * @return the injection
     */
    public static HeaderInjection parse(String spec) {
        int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("header spec must look like 'Name: value {}': '" + spec + "'");
        }
        return new HeaderInjection(spec.substring(0, colon).strip(), spec.substring(colon + 1).strip());
    }

    /** The value with something in place of {@code {}}. */
    String fill(String value) {
        return template.replace("{}", value);
    }
}
