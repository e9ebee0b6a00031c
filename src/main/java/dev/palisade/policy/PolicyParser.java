package dev.palisade.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.palisade.limits.Limits;
import dev.palisade.limits.LimitsParser;
import dev.palisade.net.EgressRules;
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
            "blockedFileTypes", "credentials", "seccomp", "limits", "vm");
    private static final Set<String> FILESYSTEM = Set.of("denyRead", "denyWrite", "allowWrite", "protectedPaths",
            "keepHistory", "guard");
    private static final Set<String> NETWORK = Set.of("allowedDomains", "deniedDomains", "allowUnixSockets",
            "allowPrivateAddresses", "maxConnections", "maxBytes", "allowLocalBinding", "httpProxyPort", "socksProxyPort");
    private static final Set<String> MOUNT = Set.of("path", "mode", "name", "allowSensitive");
    /** Keys whose parts are on the roadmap: parsed so the error can say so, then refused. */
    private static final Map<String, String> NOT_YET = Map.of(
            "network.allowLocalBinding", "binding listeners reachable from the host (use --publish)",
            "network.httpProxyPort", "fixed proxy ports (the bridge chooses them)",
            "network.socksProxyPort", "fixed proxy ports (the bridge chooses them)");

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
        FilesystemPolicy fs = filesystem(root.get("filesystem"), root.get("blockedFileTypes"));
        EgressRules net = network(root.get("network"));
        Limits limits;
        try {
            limits = LimitsParser.parse(root.get("limits"));
        } catch (IllegalArgumentException e) {
            throw new PolicyException(e.getMessage());
        }
        String seccomp = root.has("seccomp") ? string(root.get("seccomp"), "seccomp") : "default";
        if (seccomp.isBlank()) {
            throw new PolicyException("seccomp: expected \"default\", \"none\" or a profile file");
        }
        String vmImage = null;
        JsonNode vm = root.get("vm");
        if (vm != null) {
            if (!vm.isObject()) {
                throw new PolicyException("vm: expected an object, got " + kind(vm));
            }
            checkKeys(vm, Set.of("image"), "vm.");
            if (vm.has("image")) {
                vmImage = string(vm.get("image"), "vm.image");
                if (!vmImage.matches("[A-Za-z0-9][A-Za-z0-9._+-]{0,128}") || vmImage.contains("..")) {
                    throw new PolicyException("vm.image: '" + vmImage + "' is not NAME or NAME-VERSION");
                }
            }
        }
        return new Policy(tier, mounts, fs, net, limits, seccomp, CredentialsParser.parse(root.get("credentials")),
                vmImage);
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

    private static FilesystemPolicy filesystem(JsonNode node, JsonNode blockedTypes) throws PolicyException {
        java.util.Set<String> blocked = blockedTypes == null ? FilesystemPolicy.DEFAULT.blockedFileTypes()
                : new java.util.LinkedHashSet<>(strings(blockedTypes, "blockedFileTypes"));
        if (node == null) {
            try {
                return new FilesystemPolicy(List.of(), List.of(), List.of(), FilesystemPolicy.DEFAULT_PROTECTED, true,
                        blocked, FilesystemPolicy.DEFAULT.keepHistoryBytes());
            } catch (IllegalArgumentException e) {
                throw new PolicyException(e.getMessage());
            }
        }
        requireObject(node, "filesystem");
        checkKeys(node, FILESYSTEM, "filesystem.");
        boolean guard = !node.has("guard") || bool(node.get("guard"), "filesystem.guard");
        long history = FilesystemPolicy.DEFAULT.keepHistoryBytes();
        JsonNode h = node.get("keepHistory");
        if (h != null) {
            if (h.isBoolean()) {
                history = h.booleanValue() ? history : 0;
            } else if (h.isIntegralNumber() && h.canConvertToLong() && h.longValue() >= 0) {
                history = h.longValue();
            } else {
                throw new PolicyException("filesystem.keepHistory: expected true, false or a number of bytes, got " + h);
            }
        }
        try {
            return new FilesystemPolicy(
                    strings(node.get("denyRead"), "filesystem.denyRead"),
                    strings(node.get("denyWrite"), "filesystem.denyWrite"),
                    strings(node.get("allowWrite"), "filesystem.allowWrite"),
                    node.has("protectedPaths") ? strings(node.get("protectedPaths"), "filesystem.protectedPaths")
                            : FilesystemPolicy.DEFAULT_PROTECTED,
                    guard, blocked, history);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(e.getMessage());
        }
    }

    private static EgressRules network(JsonNode node) throws PolicyException {
        if (node == null) {
            return EgressRules.allowing(List.of());
        }
        requireObject(node, "network");
        checkKeys(node, NETWORK, "network.");
        List<String> sockets = new ArrayList<>();
        for (String s : strings(node.get("allowUnixSockets"), "network.allowUnixSockets")) {
            sockets.add(expand(s, "network.allowUnixSockets"));
        }
        try {
            return new EgressRules(
                    strings(node.get("allowedDomains"), "network.allowedDomains"),
                    strings(node.get("deniedDomains"), "network.deniedDomains"),
                    strings(node.get("allowPrivateAddresses"), "network.allowPrivateAddresses"),
                    sockets,
                    node.has("maxConnections") ? (int) integer(node.get("maxConnections"), "network.maxConnections",
                            Integer.MAX_VALUE) : EgressRules.DEFAULT_MAX_CONNECTIONS,
                    node.has("maxBytes") ? integer(node.get("maxBytes"), "network.maxBytes", Long.MAX_VALUE)
                            : EgressRules.DEFAULT_MAX_BYTES);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(e.getMessage());
        }
    }

    /** Expands a leading {@code ~} and {@code $VAR} / {@code ${VAR}} (e.g. {@code $SSH_AUTH_SOCK}). */
    static String expand(String value, String key) throws PolicyException {
        StringBuilder out = new StringBuilder();
        String v = value;
        if (v.equals("~") || v.startsWith("~/")) {
            out.append(System.getProperty("user.home"));
            v = v.substring(1);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$(\\{([A-Za-z_][A-Za-z0-9_]*)\\}|([A-Za-z_][A-Za-z0-9_]*))")
                .matcher(v);
        int last = 0;
        while (m.find()) {
            String name = m.group(2) != null ? m.group(2) : m.group(3);
            String val = System.getenv(name);
            if (val == null || val.isEmpty()) {
                throw new PolicyException(key + ": '" + value + "' names $" + name + ", which is not set");
            }
            out.append(v, last, m.start()).append(val);
            last = m.end();
        }
        return out.append(v.substring(last)).toString();
    }

    private static long integer(JsonNode node, String key, long max) throws PolicyException {
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 1 || node.longValue() > max) {
            throw new PolicyException(key + ": expected a positive whole number, got " + node);
        }
        return node.longValue();
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
