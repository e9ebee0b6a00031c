package dev.palisade.guard;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/** {@link GuardRules} compiled for matching; the decisions, without any I/O. */
final class RuleBook {
    private final GuardRules rules;
    private final List<Glob> denyWrite = new ArrayList<>();
    private final List<Glob> protectedPaths = new ArrayList<>();

    RuleBook(GuardRules rules) {
        this.rules = rules;
        rules.denyWrite().forEach(p -> denyWrite.add(Glob.compile(p)));
        rules.protectedPaths().forEach(p -> protectedPaths.add(Glob.compile(p)));
    }

    GuardRules rules() {
        return rules;
    }

    /** Splits a FUSE path ("/a/b") into segments; the root is the empty list. */
    static List<String> segments(String fusePath) {
        List<String> out = new ArrayList<>();
        for (String s : fusePath.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * The name as a type check sees it: NFKC-normalised (fullwidth letters become ASCII), lower
     * case, trailing dots and spaces removed (Windows drops them when it opens the file).
     */
    static String normaliseName(String name) {
        String n = Normalizer.normalize(name, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        int end = n.length();
        while (end > 0 && (n.charAt(end - 1) == '.' || Character.isWhitespace(n.charAt(end - 1)))) {
            end--;
        }
        return n.substring(0, end);
    }

    /**
     * The blocked type a new name carries, or null.
     *
     * @param name the last path segment
     * @param directory whether it names a directory (only bundle types apply)
     */
    String blockedType(String name, boolean directory) {
        String n = normaliseName(name);
        for (String type : rules.blockedFileTypes()) {
            if (n.endsWith(type) && (!directory || GuardRules.BUNDLE_TYPES.contains(type))) {
                return type;
            }
        }
        return null;
    }

    /**
     * The rule that forbids writing (creating, modifying, deleting) the path, or null.
     *
     * @param path the path's segments
     * @param createdInSession whether a directory (given as a "/"-joined relative path) was
     *     created by the sandbox in this session
     * @param directory whether the path is (or will be) a directory
     */
    String writeRule(List<String> path, Predicate<String> createdInSession, boolean directory) {
        if (path.isEmpty()) {
            return null;
        }
        if (!directory && path.getLast().equals(".git")) {
            return "protected path: only a directory may be named .git";
        }
        for (Glob g : denyWrite) {
            if (g.covers(path)) {
                return "filesystem.denyWrite " + g.source();
            }
        }
        for (Glob g : protectedPaths) {
            if (g.covers(path) && !(underSessionDirectory(path, createdInSession) && exemptInFreshRepo(g, path))) {
                return "protected path " + g.source();
            }
        }
        return null;
    }

    /**
     * In a directory the sandbox created, protected paths may be written so that {@code git init}
     * works, except real hooks: only git's own {@code *.sample} templates and the hooks directory
     * itself, so no hook that git would run can be planted even in a fresh repository.
     */
    private static boolean exemptInFreshRepo(Glob g, List<String> path) {
        if (!g.source().endsWith("/hooks")) {
            return true;
        }
        String last = path.getLast();
        return last.equals("hooks") || last.endsWith(".sample");
    }

    private static boolean underSessionDirectory(List<String> path, Predicate<String> createdInSession) {
        for (int k = path.size() - 1; k >= 1; k--) {
            if (createdInSession.test(String.join("/", path.subList(0, k)))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The rule a directory rename would defeat, checked on both the source and the target path, or
     * null: a directory that anchors a deeper protected or denied path cannot move.
     */
    String renameDirRule(List<String> path) {
        for (Glob g : denyWrite) {
            if (g.isAnchorOfDeeperMatch(path)) {
                return "filesystem.denyWrite " + g.source() + " (directory rename)";
            }
        }
        for (Glob g : protectedPaths) {
            if (g.isAnchorOfDeeperMatch(path)) {
                return "protected path " + g.source() + " (directory rename)";
            }
        }
        return null;
    }
}
