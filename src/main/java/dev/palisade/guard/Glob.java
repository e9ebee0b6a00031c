package dev.palisade.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A compiled gitignore-like path pattern (see {@link GuardRules}) matched on path segments. */
final class Glob {
    private static final String ANY = "**";

    private final String source;
    private final List<String> raw;
    private final List<Pattern> segments; // null entry for "**"

    private Glob(String source, List<String> raw) {
        this.source = source;
        this.raw = raw;
        this.segments = new ArrayList<>();
        for (String s : raw) {
            segments.add(s.equals(ANY) ? null : Pattern.compile(segmentRegex(s)));
        }
    }

    static void validate(String key, String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException(key + ": empty pattern");
        }
        for (String s : pattern.split("/")) {
            if (s.equals("..") || s.equals(".")) {
                throw new IllegalArgumentException(key + ": '" + pattern + "' may not contain '.' or '..' segments");
            }
        }
    }

    static Glob compile(String pattern) {
        String p = pattern.strip();
        while (p.endsWith("/") && p.length() > 1) {
            p = p.substring(0, p.length() - 1);
        }
        boolean anchored = p.contains("/");
        if (p.startsWith("/")) {
            p = p.substring(1);
        }
        List<String> raw = new ArrayList<>();
        if (!anchored) {
            raw.add(ANY);
        }
        for (String s : p.split("/")) {
            if (!s.isEmpty()) {
                raw.add(s);
            }
        }
        return new Glob(pattern, List.copyOf(raw));
    }

    private static String segmentRegex(String s) {
        StringBuilder re = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '*' -> re.append("[^/]*");
                case '?' -> re.append("[^/]");
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }

    /** The pattern as written in the policy. */
    String source() {
        return source;
    }

    /** Whether the path, or one of its ancestors, matches (a matched directory covers its subtree). */
    boolean covers(List<String> path) {
        for (int k = 1; k <= path.size(); k++) {
            if (matches(0, path.subList(0, k), 0)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the path matches a proper prefix of the pattern with its last segment consumed by a
     * literal (non-{@code **}) pattern segment: renaming such a directory would move paths out from
     * under the pattern, and renaming something to it would move unchecked content under it.
     */
    boolean isAnchorOfDeeperMatch(List<String> path) {
        return !path.isEmpty() && anchor(0, path, 0);
    }

    /**
     * The length of the shortest prefix of {@code path} that is a literal-anchored proper prefix of
     * this pattern, or -1: for {@code **}{@code /.git/config} and {@code a/.git/config} it is 2.
     */
    int anchorDepth(List<String> path) {
        for (int k = 1; k < path.size(); k++) {
            if (anchor(0, path.subList(0, k), 0)) {
                return k;
            }
        }
        return -1;
    }

    private boolean matches(int pi, List<String> s, int si) {
        if (pi == segments.size()) {
            return si == s.size();
        }
        Pattern p = segments.get(pi);
        if (p == null) {
            for (int k = si; k <= s.size(); k++) {
                if (matches(pi + 1, s, k)) {
                    return true;
                }
            }
            return false;
        }
        return si < s.size() && p.matcher(s.get(si)).matches() && matches(pi + 1, s, si + 1);
    }

    private boolean anchor(int pi, List<String> s, int si) {
        if (pi == segments.size() || si == s.size()) {
            return false;
        }
        Pattern p = segments.get(pi);
        if (p == null) {
            if (anchor(pi + 1, s, si)) {
                return true;
            }
            // "**" swallowing the last segment does not anchor anything: the rename keeps it matched
            return si + 1 < s.size() && anchor(pi, s, si + 1);
        }
        if (!p.matcher(s.get(si)).matches()) {
            return false;
        }
        if (si + 1 == s.size()) {
            return pi + 1 < segments.size() && !raw.subList(pi + 1, raw.size()).equals(List.of(ANY));
        }
        return anchor(pi + 1, s, si + 1);
    }
}
