package dev.palisade.limits;

import java.time.Duration;
import java.util.List;

import tools.jackson.databind.JsonNode;

/**
 * Reads the {@code limits} object of a policy. Strict like the rest of the policy: unknown keys and
 * wrong types are errors that name the key. Sizes are a number of bytes or a string such as
 * {@code "512M"}; durations are a number of seconds or a string such as {@code "2s"}.
 */
public final class LimitsParser {
    /** The keys of the {@code limits} object. */
    static final List<String> KEYS = List.of("memory", "pids", "cpus", "timeout", "sessionTimeout", "homeSize",
            "tmpSize", "shmSize", "maxOutput", "openFiles", "maxFileSize", "allowWeaker");

    private LimitsParser() {
    }

    /**
     * Parses the {@code limits} object.
     *
     * @param node the value of the {@code limits} key, or null when absent
     * @return the limits ({@link Limits#NONE} when absent)
     * @ naming the key and the problem
     */
    public static Limits parse(JsonNode node) {
        if (node == null) {
            return Limits.NONE;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("limits: expected an object, got " + node.getNodeType().name().toLowerCase());
        }
        for (String name : node.propertyNames()) {
            if (!KEYS.contains(name)) {
                throw new IllegalArgumentException("unknown key 'limits." + name + "' (known in limits: "
                        + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
        }
        try {
            return new Limits(
                    size(node, "memory"),
                    (int) count(node, "pids"),
                    cpus(node),
                    duration(node, "timeout"),
                    duration(node, "sessionTimeout"),
                    size(node, "homeSize"),
                    size(node, "tmpSize"),
                    size(node, "shmSize"),
                    size(node, "maxOutput"),
                    (int) count(node, "openFiles"),
                    size(node, "maxFileSize"),
                    bool(node, "allowWeaker"));
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException(m.startsWith("limits.") ? m : "limits." + m, e);
        }
    }

    private static long size(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            return 0;
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.longValue();
        }
        if (v.isString()) {
            try {
                return Quantities.bytes(v.stringValue());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("limits." + key + ": " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("limits." + key + ": expected a number of bytes or a size such as \"512M\"");
    }

    private static long count(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException("limits." + key + ": expected a whole number");
        }
        return v.intValue();
    }

    private static double cpus(JsonNode node) {
        JsonNode v = node.get("cpus");
        if (v == null) {
            return 0;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("limits.cpus: expected a number of CPUs such as 1 or 0.5");
        }
        return v.doubleValue();
    }

    private static Duration duration(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            return Duration.ZERO;
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return Duration.ofSeconds(v.longValue());
        }
        if (v.isString()) {
            try {
                return Quantities.duration(v.stringValue());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("limits." + key + ": " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("limits." + key + ": expected a number of seconds or a duration such as \"2s\"");
    }

    private static boolean bool(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("limits." + key + ": expected true or false");
        }
        return v.booleanValue();
    }
}
