package dev.palisade.seccomp;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.palisade.sys.LibSeccomp;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the OCI runtime-spec seccomp object and Docker's profile format (which adds
 * {@code archMap}, {@code includes}/{@code excludes} and {@code comment}). Unknown keys are an
 * error naming the key, like the rest of the policy; keys of the formats that Palisade cannot
 * honour are refused rather than ignored (a listener path), except {@code flags}, which bwrap
 * cannot pass and which only tune logging and thread sync.
 */
final class ProfileParser {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Set<String> TOP_KEYS = Set.of("defaultAction", "defaultErrnoRet", "architectures",
            "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata", "comment");
    private static final Set<String> RULE_KEYS = Set.of("names", "name", "action", "errnoRet", "args", "comment",
            "includes", "excludes");
    private static final Set<String> ARG_KEYS = Set.of("index", "value", "valueTwo", "op");
    private static final Set<String> FILTER_KEYS = Set.of("arches", "caps", "minKernel");
    private static final BigInteger UINT64_LIMIT = BigInteger.ONE.shiftLeft(64);
    private static final int EPERM = 1;
    /** Docker's names for this machine's architecture in includes/excludes. */
    private static final Set<String> NATIVE_DOCKER_ARCHES = Set.of("amd64", "x86_64");
    private static final String NATIVE_OCI_ARCH = "SCMP_ARCH_X86_64";

    private ProfileParser() {
    }

    static SeccompProfile parse(String source, String json) throws SeccompException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new SeccompException("seccomp profile " + source + ": malformed JSON: " + e.getOriginalMessage()
                    + location(e), e);
        }
        String where = "seccomp profile " + source;
        if (root == null || !root.isObject()) {
            throw new SeccompException(where + ": the top level must be a JSON object");
        }
        checkKeys(where, root, TOP_KEYS);
        int defaultErrno = root.has("defaultErrnoRet") ? errno(where + ": defaultErrnoRet", root.get("defaultErrnoRet"))
                : EPERM;
        if (!root.has("defaultAction")) {
            throw new SeccompException(where + ": missing defaultAction");
        }
        SeccompAction defaultAction = action(where + ": defaultAction", root.get("defaultAction"), defaultErrno);
        if (root.has("listenerPath") && !text(where + ": listenerPath", root.get("listenerPath")).isEmpty()) {
            throw new SeccompException(where + ": listenerPath (SCMP_ACT_NOTIFY) is not supported");
        }
        List<String> arches = new ArrayList<>(strings(where + ": architectures", root.get("architectures")));
        JsonNode archMap = root.get("archMap");
        if (archMap != null && !archMap.isNull()) {
            arches.addAll(nativeSubArchitectures(where + ": archMap", archMap));
        }
        List<SyscallRule> rules = new ArrayList<>();
        JsonNode syscalls = root.get("syscalls");
        if (syscalls != null && !syscalls.isNull()) {
            if (!syscalls.isArray()) {
                throw new SeccompException(where + ": syscalls must be an array");
            }
            for (int i = 0; i < syscalls.size(); i++) {
                SyscallRule r = rule(where + ": syscalls[" + i + "]", syscalls.get(i), defaultErrno);
                if (r != null) {
                    rules.add(r);
                }
            }
        }
        return new SeccompProfile(source, defaultAction, arches, rules);
    }

    private static SyscallRule rule(String where, JsonNode node, int defaultErrno) throws SeccompException {
        if (!node.isObject()) {
            throw new SeccompException(where + ": must be an object");
        }
        checkKeys(where, node, RULE_KEYS);
        List<String> names = new ArrayList<>(strings(where + ".names", node.get("names")));
        if (node.has("name")) {
            names.add(text(where + ".name", node.get("name")));
        }
        if (names.isEmpty()) {
            throw new SeccompException(where + ": no syscall names");
        }
        int nativeArch = LibSeccomp.nativeArch();
        for (String n : names) {
            BpfCompiler.syscallNumber(where + ".names", nativeArch, n);
        }
        int errnoRet = node.has("errnoRet") ? errno(where + ".errnoRet", node.get("errnoRet")) : defaultErrno;
        if (!node.has("action")) {
            throw new SeccompException(where + ": missing action");
        }
        SeccompAction action = action(where + ".action", node.get("action"), errnoRet);
        List<ArgCondition> conds = new ArrayList<>();
        JsonNode args = node.get("args");
        if (args != null && !args.isNull()) {
            if (!args.isArray()) {
                throw new SeccompException(where + ".args must be an array");
            }
            for (int i = 0; i < args.size(); i++) {
                conds.add(condition(where + ".args[" + i + "]", args.get(i)));
            }
        }
        String comment = node.has("comment") ? text(where + ".comment", node.get("comment")) : "";
        boolean applies = filterApplies(where + ".includes", node.get("includes"), true)
                && !filterMatchesAny(where + ".excludes", node.get("excludes"));
        return applies ? new SyscallRule(names, action, conds, comment) : null;
    }

    private static ArgCondition condition(String where, JsonNode node) throws SeccompException {
        if (!node.isObject()) {
            throw new SeccompException(where + ": must be an object");
        }
        checkKeys(where, node, ARG_KEYS);
        if (!node.has("index") || !node.has("op")) {
            throw new SeccompException(where + ": needs index and op");
        }
        long index = uint64(where + ".index", node.get("index"));
        if (index > 5) {
            throw new SeccompException(where + ".index: syscalls have arguments 0-5, not " + index);
        }
        String opName = text(where + ".op", node.get("op"));
        CompareOp op = null;
        for (CompareOp o : CompareOp.values()) {
            if (o.ociName().equals(opName)) {
                op = o;
            }
        }
        if (op == null) {
            throw new SeccompException(where + ".op: unknown comparison '" + opName
                    + "' (expected SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT or _MASKED_EQ)");
        }
        long value = node.has("value") ? uint64(where + ".value", node.get("value")) : 0;
        long valueTwo = node.has("valueTwo") ? uint64(where + ".valueTwo", node.get("valueTwo")) : 0;
        return new ArgCondition((int) index, value, valueTwo, op);
    }

    /** OCI action names (runtime-spec config-linux.md#seccomp). */
    static SeccompAction action(String where, JsonNode node, int errnoRet) throws SeccompException {
        String name = text(where, node);
        return switch (name) {
            case "SCMP_ACT_ALLOW" -> new SeccompAction.Allow();
            case "SCMP_ACT_LOG" -> new SeccompAction.Log();
            case "SCMP_ACT_ERRNO" -> new SeccompAction.Errno(errnoRet);
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> new SeccompAction.KillThread();
            case "SCMP_ACT_KILL_PROCESS" -> new SeccompAction.KillProcess();
            case "SCMP_ACT_TRAP" -> new SeccompAction.Trap();
            case "SCMP_ACT_TRACE" -> new SeccompAction.Trace(errnoRet);
            case "SCMP_ACT_NOTIFY" -> throw new SeccompException(where + ": SCMP_ACT_NOTIFY is not supported");
            default -> throw new SeccompException(where + ": unknown action '" + name + "' (expected SCMP_ACT_ALLOW, "
                    + "SCMP_ACT_ERRNO, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE "
                    + "or SCMP_ACT_LOG)");
        };
    }

    /** Docker archMap: the sub-architectures listed for the native architecture. */
    private static List<String> nativeSubArchitectures(String where, JsonNode archMap) throws SeccompException {
        if (!archMap.isArray()) {
            throw new SeccompException(where + " must be an array");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < archMap.size(); i++) {
            JsonNode e = archMap.get(i);
            String w = where + "[" + i + "]";
            if (!e.isObject()) {
                throw new SeccompException(w + ": must be an object");
            }
            checkKeys(w, e, Set.of("architecture", "subArchitectures"));
            if (NATIVE_OCI_ARCH.equals(text(w + ".architecture", e.get("architecture")))) {
                out.add(NATIVE_OCI_ARCH);
                out.addAll(strings(w + ".subArchitectures", e.get("subArchitectures")));
            }
        }
        return out;
    }

    /**
     * Docker's includes: every listed condition must hold. The sandbox has no capabilities, so a
     * rule that requires one never applies.
     */
    private static boolean filterApplies(String where, JsonNode node, boolean emptyResult) throws SeccompException {
        if (node == null || node.isNull()) {
            return emptyResult;
        }
        checkFilter(where, node);
        if (!strings(where + ".caps", node.get("caps")).isEmpty()) {
            return false;
        }
        List<String> arches = strings(where + ".arches", node.get("arches"));
        if (!arches.isEmpty() && arches.stream().noneMatch(NATIVE_DOCKER_ARCHES::contains)) {
            return false;
        }
        return !node.has("minKernel") || kernelAtLeast(text(where + ".minKernel", node.get("minKernel")));
    }

    /** Docker's excludes: the rule is dropped if any listed condition holds. */
    private static boolean filterMatchesAny(String where, JsonNode node) throws SeccompException {
        if (node == null || node.isNull()) {
            return false;
        }
        checkFilter(where, node);
        // caps: the sandbox holds none, so an excluded capability never matches.
        List<String> arches = strings(where + ".arches", node.get("arches"));
        if (arches.stream().anyMatch(NATIVE_DOCKER_ARCHES::contains)) {
            return true;
        }
        return node.has("minKernel") && kernelAtLeast(text(where + ".minKernel", node.get("minKernel")));
    }

    private static void checkFilter(String where, JsonNode node) throws SeccompException {
        if (!node.isObject()) {
            throw new SeccompException(where + ": must be an object");
        }
        checkKeys(where, node, FILTER_KEYS);
    }

    private static boolean kernelAtLeast(String min) {
        return compareVersions(System.getProperty("os.version", "0"), min) >= 0;
    }

    /** Compares dotted numeric prefixes ("6.18.44-fc" vs "5.8"). */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[^0-9]+");
        String[] y = b.split("[^0-9]+");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int xi = i < x.length && !x[i].isEmpty() ? Integer.parseInt(x[i]) : 0;
            int yi = i < y.length && !y[i].isEmpty() ? Integer.parseInt(y[i]) : 0;
            if (xi != yi) {
                return Integer.compare(xi, yi);
            }
        }
        return 0;
    }

    private static void checkKeys(String where, JsonNode node, Set<String> known) throws SeccompException {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!known.contains(e.getKey())) {
                throw new SeccompException(where + ": unknown key '" + e.getKey() + "'");
            }
        }
    }

    private static String text(String where, JsonNode node) throws SeccompException {
        if (node == null || !node.isString()) {
            throw new SeccompException(where + ": must be a string");
        }
        return node.stringValue();
    }

    private static List<String> strings(String where, JsonNode node) throws SeccompException {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new SeccompException(where + ": must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            out.add(text(where + "[" + i + "]", node.get(i)));
        }
        return out;
    }

    private static long uint64(String where, JsonNode node) throws SeccompException {
        if (node == null || !node.isIntegralNumber()) {
            throw new SeccompException(where + ": must be an unsigned integer");
        }
        BigInteger v = node.bigIntegerValue();
        if (v.signum() < 0 || v.compareTo(UINT64_LIMIT) >= 0) {
            throw new SeccompException(where + ": out of the unsigned 64-bit range: " + v);
        }
        return v.longValue();
    }

    private static int errno(String where, JsonNode node) throws SeccompException {
        long v = uint64(where, node);
        if (v > 4095) {
            throw new SeccompException(where + ": errno must be 0-4095, not " + v);
        }
        return (int) v;
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null ? ""
                : String.format(Locale.ROOT, " (line %d, column %d)", e.getLocation().getLineNr(),
                        e.getLocation().getColumnNr());
    }
}
