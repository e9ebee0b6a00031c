package dev.palisade.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.palisade.paths.Access;
import dev.palisade.sandbox.Tier;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a policy file (JSON). Strict: unknown keys, duplicate keys, wrong types and keys of parts
 * that are not built yet are errors naming the key, never ignored, so a typo can never loosen a
 * sandbox silently.
 */
public final class PolicyParser {
    /** Policy files larger than this are refused before parsing. */
    static final long MAX_BYTES = 1 << 20;

    private static final Set<String> TOP = Set.of("tier", "mounts", "filesystem", "network",
            "blockedFileTypes", "credentials", "seccomp", "limits");
    private static final Set<String> FILESYSTEM = Set.of("denyRead", "denyWrite", "allowWrite", "protectedPaths",
            "keepHistory");
    private static final Set<String> NETWORK = Set.of("allowedDomains", "deniedDomains", "allowUnixSockets",
            "allowLocalBinding", "httpProxyPort", "socksProxyPort");
    private static final Set<String> MOUNT = Set.of("path", "mode", "name", "allowSensitive");
    /** Keys whose parts are on the roadmap: parsed so the error can say so, then refused. */
    private static final Map<String, String> NOT_YET = Map.of(
            "blockedFileTypes", "the file guard",
            "credentials", "the credential broker",
            "seccomp", "the seccomp layer",
            "limits", "resource limits",
            "filesystem.keepHistory", "the file guard",
            "network.allowLocalBinding", "the network layer",
            "network.httpProxyPort", "the network layer",
            "network.socksProxyPort", "the network layer");

    private final JsonMapper mapper = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * Reads a policy file.
     *
     * @param file the file
     * @return the policy
     * @throws PolicyException naming the file, the key and the problem
     */
    public Policy read(Path file) throws PolicyException {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new PolicyException(file + ": policy file larger than " + MAX_BYTES + " bytes");
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new PolicyException(file + ": policy file not found");
        } catch (IOException e) {
            throw new PolicyException(file + ": cannot read policy file: " + e.getMessage());
        }
        try {
            return parse(text);
        } catch (PolicyException e) {
            throw new PolicyException(file + ": " + e.getMessage());
        }
    }

    /**
     * Parses policy JSON.
     *
     * @param json the text
     * @return the policy
     * @throws PolicyException naming the key and the problem
     */
    public Policy parse(String json) throws PolicyException {
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JacksonException e) {
            TokenStreamLocation loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new PolicyException("malformed JSON" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new PolicyException("policy is empty (expected a JSON object)");
        }
        if (!root.isObject()) {
            throw new PolicyException("policy must be a JSON object, got " + kind(root));
        }
        checkKeys(root, TOP, "");
        Tier tier = Tier.NAMESPACE;
        if (root.has("tier")) {
            try {
                tier = Tier.parse(string(root.get("tier"), "tier"));
            } catch (IllegalArgumentException e) {
                throw new PolicyException("tier: " + e.getMessage());
            }
        }
        List<MountEntry> mounts = mounts(root.get("mounts"));
        FilesystemPolicy fs = filesystem(root.get("filesystem"));
        NetworkPolicy net = network(root.get("network"));
        return new Policy(tier, mounts, fs, net);
    }

    private static List<MountEntry> mounts(JsonNode node) throws PolicyException {
        List<MountEntry> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!node.isArray()) {
            throw new PolicyException("mounts: expected an array, got " + kind(node));
        }
        int i = 0;
        for (JsonNode m : node.values()) {
            String key = "mounts[" + i++ + "]";
            try {
                if (m.isString()) {
                    String spec = m.stringValue();
                    int colon = spec.lastIndexOf(':');
                    String suffix = colon < 0 ? "" : spec.substring(colon + 1);
                    boolean hasMode = suffix.equals("ro") || suffix.equals("rw");
                    out.add(new MountEntry(hasMode ? spec.substring(0, colon) : spec,
                            hasMode ? Access.parse(suffix) : Access.RO, null, false));
                } else if (m.isObject()) {
                    checkKeys(m, MOUNT, key + ".");
                    if (!m.has("path")) {
                        throw new PolicyException(key + ".path: missing");
                    }
                    String path = string(m.get("path"), key + ".path");
                    Access access = m.has("mode") ? Access.parse(string(m.get("mode"), key + ".mode")) : Access.RO;
                    String name = m.has("name") ? string(m.get("name"), key + ".name") : null;
                    boolean force = m.has("allowSensitive") && bool(m.get("allowSensitive"), key + ".allowSensitive");
                    out.add(new MountEntry(path, access, name, force));
                } else {
                    throw new PolicyException(key + ": expected a string \"PATH[:ro|:rw]\" or an object, got " + kind(m));
                }
            } catch (IllegalArgumentException e) {
                throw new PolicyException(key + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static FilesystemPolicy filesystem(JsonNode node) throws PolicyException {
        if (node == null) {
            return FilesystemPolicy.DEFAULT;
        }
        requireObject(node, "filesystem");
        checkKeys(node, FILESYSTEM, "filesystem.");
        try {
            return new FilesystemPolicy(
                    strings(node.get("denyRead"), "filesystem.denyRead"),
                    strings(node.get("denyWrite"), "filesystem.denyWrite"),
                    strings(node.get("allowWrite"), "filesystem.allowWrite"),
                    node.has("protectedPaths") ? strings(node.get("protectedPaths"), "filesystem.protectedPaths")
                            : FilesystemPolicy.DEFAULT_PROTECTED);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(e.getMessage());
        }
    }

    private static NetworkPolicy network(JsonNode node) throws PolicyException {
        if (node == null) {
            return NetworkPolicy.NONE;
        }
        requireObject(node, "network");
        checkKeys(node, NETWORK, "network.");
        NetworkPolicy net = new NetworkPolicy(
                strings(node.get("allowedDomains"), "network.allowedDomains"),
                strings(node.get("deniedDomains"), "network.deniedDomains"),
                strings(node.get("allowUnixSockets"), "network.allowUnixSockets"));
        if (net.anyEgress() || !net.allowUnixSockets().isEmpty()) {
            throw new PolicyException("network: egress is not supported yet (the network layer is not built);"
                    + " sandboxes have no network at all. Remove network.allowedDomains and"
                    + " network.allowUnixSockets");
        }
        return net;
    }

    private static void checkKeys(JsonNode node, Set<String> known, String prefix) throws PolicyException {
        for (String name : node.propertyNames()) {
            String key = prefix + name;
            if (!known.contains(name)) {
                throw new PolicyException("unknown key '" + key + "' (known" + (prefix.isEmpty() ? "" : " in "
                        + prefix.substring(0, prefix.length() - 1)) + ": " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
            String part = NOT_YET.get(key);
            if (part != null) {
                throw new PolicyException(key + ": not supported yet (" + part + " is not built); remove the key");
            }
        }
    }

    private static void requireObject(JsonNode node, String key) throws PolicyException {
        if (!node.isObject()) {
            throw new PolicyException(key + ": expected an object, got " + kind(node));
        }
    }

    private static List<String> strings(JsonNode node, String key) throws PolicyException {
        List<String> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!node.isArray()) {
            throw new PolicyException(key + ": expected an array of strings, got " + kind(node));
        }
        int i = 0;
        for (JsonNode v : node.values()) {
            out.add(string(v, key + "[" + i++ + "]"));
        }
        return out;
    }

    private static String string(JsonNode node, String key) throws PolicyException {
        if (!node.isString()) {
            throw new PolicyException(key + ": expected a string, got " + kind(node));
        }
        return node.stringValue();
    }

    private static boolean bool(JsonNode node, String key) throws PolicyException {
        if (!node.isBoolean()) {
            throw new PolicyException(key + ": expected true or false, got " + kind(node));
        }
        return node.booleanValue();
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case BINARY -> "binary data";
            case MISSING -> "nothing";
        };
    }
}
