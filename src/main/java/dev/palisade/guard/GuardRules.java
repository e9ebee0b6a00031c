package dev.palisade.guard;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the guarded view of one read-write folder refuses.
 *
 * <p><b>Patterns</b> ({@code denyWrite}, {@code protectedPaths}) are relative to the folder and use
 * gitignore-like rules: {@code /} separates segments, {@code *} and {@code ?} match within one
 * segment, {@code **} matches any number of segments; a pattern with no {@code /} matches the name
 * at any depth, one with a {@code /} is anchored at the folder root (a leading {@code /} only
 * anchors). A pattern that matches a directory covers everything below it. They are evaluated on
 * the path at the time of each operation, so files created after the session started are covered.
 * A directory may not be renamed when that would move a matched path out from under its pattern,
 * nor renamed to a place where it would become one of the pattern's directories.
 *
 * <p><b>Protected paths</b> are read-only like {@code denyWrite}, with one exception that keeps
 * {@code git init} working: a protected path may be created below a directory that the sandbox
 * itself created in this session (a fresh repository's {@code .git/config}), except runnable
 * hooks (only git's {@code *.sample} templates); the user's existing repositories stay untouchable. A non-directory named {@code .git} is always refused (a
 * {@code gitdir:} file could point git at hooks the sandbox wrote elsewhere).
 *
 * @param blockedFileTypes file name suffixes (with the dot, lower case) that may not be created,
 *     written or renamed into the folder; matched case-insensitively after Unicode NFKC
 *     normalisation and after stripping trailing dots and spaces ({@code a.EXE. } is {@code .exe});
 *     directories are only checked against {@link #BUNDLE_TYPES}
 * @param denyWrite patterns of paths that may not be created, written, renamed or deleted
 * @param protectedPaths patterns treated like {@code denyWrite}, see above
 * @param keepHistoryBytes most bytes of previous content kept for undo; 0 disables history
 */
public record GuardRules(Set<String> blockedFileTypes, List<String> denyWrite, List<String> protectedPaths,
        long keepHistoryBytes) {

    /**
     * The default blocked types: the list (Windows and macOS executables and installers,
     * Java archives, Linux and Android packages) plus Windows script hosts ({@code .ps1 .vbs}) and
     * self-contained Linux executables ({@code .appimage}).
     */
    public static final Set<String> DEFAULT_BLOCKED_FILE_TYPES = Set.of(
            ".exe", ".dmg", ".jar", ".msi", ".app", ".bat", ".cmd", ".scr", ".com", ".pkg", ".deb",
            ".rpm", ".apk", ".ps1", ".vbs", ".appimage");

    /**
     * Types that are directories on some system (macOS bundles): only these are refused for
     * directories, so that {@code mkdir example.com} keeps working.
     */
    public static final Set<String> BUNDLE_TYPES = Set.of(".app", ".pkg");

    /**
     * The default protected paths: what git, shells, editors and agents execute or trust when the
     * user later works in the folder on the host.
     */
    public static final List<String> DEFAULT_PROTECTED_PATHS = List.of(
            "**/.git/hooks", "**/.git/config", "/.git/modules/**/hooks", "/.git/modules/**/config",
            "/.gitmodules",
            "/.bashrc", "/.bash_profile", "/.bash_login", "/.bash_logout", "/.profile",
            "/.zshrc", "/.zshenv", "/.zprofile", "/.zlogin", "/.zlogout",
            "/.vscode", "/.idea", "/.claude", "/.mcp.json", "/.envrc");

    /** Default history bound: 1 GiB. */
    public static final long DEFAULT_KEEP_HISTORY_BYTES = 1L << 30;

    /** Validates and normalises. */
    public GuardRules {
        Objects.requireNonNull(blockedFileTypes, "blockedFileTypes");
        TreeSet<String> types = new TreeSet<>();
        for (String t : blockedFileTypes) {
            String n = t.toLowerCase(Locale.ROOT).strip();
            if (!n.startsWith(".") || n.length() < 2 || n.contains("/")) {
                throw new IllegalArgumentException("blockedFileTypes: '" + t + "' is not a suffix like .exe");
            }
            types.add(n);
        }
        blockedFileTypes = Set.copyOf(types);
        denyWrite = List.copyOf(denyWrite);
        protectedPaths = List.copyOf(protectedPaths);
        for (String p : denyWrite) {
            Glob.validate("denyWrite", p);
        }
        for (String p : protectedPaths) {
            Glob.validate("protectedPaths", p);
        }
        if (keepHistoryBytes < 0) {
            throw new IllegalArgumentException("keepHistory: negative size " + keepHistoryBytes);
        }
    }

    /** The defaults: default blocked types and protected paths, no denyWrite, 1 GiB of history. */
    public static GuardRules defaults() {
        return new GuardRules(DEFAULT_BLOCKED_FILE_TYPES, List.of(), DEFAULT_PROTECTED_PATHS,
                DEFAULT_KEEP_HISTORY_BYTES);
    }

    /**
     * Converts policy entries ({@code filesystem.denyWrite}, {@code filesystem.protectedPaths}:
     * relative paths anchored at every folder's root, or absolute host paths with {@code ~}
     * already expanded) into this folder's patterns: relative {@code e} becomes {@code /e},
     * an absolute path inside the folder becomes {@code /} plus its path below the folder, and
     * absolute paths elsewhere are dropped (they belong to another folder).
     *
     * @param hostFolder the folder (absolute, canonical)
     * @param entries the policy's entries
     * @return anchored patterns for this folder
     */
    public static List<String> patternsFor(Path hostFolder, List<String> entries) {
        List<String> out = new java.util.ArrayList<>();
        for (String e : entries) {
            if (!e.startsWith("/")) {
                out.add("/" + e);
            } else {
                Path p = Path.of(e).normalize();
                if (p.startsWith(hostFolder) && !p.equals(hostFolder)) {
                    out.add("/" + hostFolder.relativize(p));
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * A copy with other denyWrite patterns.
     *
     * @param patterns the patterns
     * @return the new rules
     */
    public GuardRules withDenyWrite(List<String> patterns) {
        return new GuardRules(blockedFileTypes, patterns, protectedPaths, keepHistoryBytes);
    }
}
