package dev.palisade.policy;

import java.util.List;

/**
 * The filesystem rules. Entries are host paths ({@code ~} allowed) or, without a leading
 * {@code /} or {@code ~}, paths relative to every read-write folder. {@code *} and {@code **}
 * globs are expanded when the sandbox starts.
 *
 * @param denyRead paths hidden inside the sandbox (empty directory or empty file in their place)
 * @param denyWrite paths inside read-write folders that stay read-only, even if created later
 *     (a missing path is masked so it cannot be created)
 * @param allowWrite paths inside read-only folders made writable
 * @param protectedPaths the built-in deny-write list applied in every read-write folder
 * @param guard whether read-write folders are served through the file guard (namespace tier)
 * @param blockedFileTypes file name endings the file guard refuses to create or rename to
 * @param keepHistoryBytes most bytes of overwritten or deleted content kept for undo (0: none)
 */
public record FilesystemPolicy(List<String> denyRead, List<String> denyWrite, List<String> allowWrite,
        List<String> protectedPaths, boolean guard, java.util.Set<String> blockedFileTypes, long keepHistoryBytes) {
    /**
     * The protected paths of every read-write folder, unless the policy replaces the list: what an
     * agent could use to run code on the host later (git hooks and config, editor and agent
     * settings, shell start-up files, direnv).
     */
    public static final List<String> DEFAULT_PROTECTED = List.of(
            ".git/hooks", ".git/config", ".gitmodules", ".bashrc", ".bash_profile", ".bash_login",
            ".profile", ".zshrc", ".zprofile", ".zshenv", ".zlogin", ".vscode", ".idea", ".claude",
            ".mcp.json", ".envrc");

    /** The rules when a policy says nothing. */
    public static final FilesystemPolicy DEFAULT = new FilesystemPolicy(List.of(), List.of(), List.of(),
            DEFAULT_PROTECTED);

    /** Rules with the file guard on, its default blocked types and history. */
    public FilesystemPolicy(List<String> denyRead, List<String> denyWrite, List<String> allowWrite,
            List<String> protectedPaths) {
        this(denyRead, denyWrite, allowWrite, protectedPaths, true,
                dev.palisade.guard.GuardRules.DEFAULT_BLOCKED_FILE_TYPES,
                dev.palisade.guard.GuardRules.DEFAULT_KEEP_HISTORY_BYTES);
    }

    /** A copy with the file guard switched on or off. */
    public FilesystemPolicy withGuard(boolean on) {
        return new FilesystemPolicy(denyRead, denyWrite, allowWrite, protectedPaths, on, blockedFileTypes, keepHistoryBytes);
    }

    /** Validates and copies. */
    public FilesystemPolicy {
        denyRead = checked("filesystem.denyRead", denyRead);
        denyWrite = checked("filesystem.denyWrite", denyWrite);
        allowWrite = checked("filesystem.allowWrite", allowWrite);
        protectedPaths = checked("filesystem.protectedPaths", protectedPaths);
        java.util.Set<String> types = new java.util.LinkedHashSet<>();
        for (String t : blockedFileTypes) {
            if (t == null || !t.matches("\\.[A-Za-z0-9._-]{1,32}")) {
                throw new IllegalArgumentException("blockedFileTypes: '" + t + "' is not a file ending like \".exe\"");
            }
            types.add(t.toLowerCase(java.util.Locale.ROOT));
        }
        blockedFileTypes = java.util.Set.copyOf(types);
        if (keepHistoryBytes < 0) {
            throw new IllegalArgumentException("filesystem.keepHistory: must not be negative");
        }
        for (String p : protectedPaths) {
            if (p.startsWith("/") || p.startsWith("~")) {
                throw new IllegalArgumentException("filesystem.protectedPaths: '" + p
                        + "' must be relative to the folder (like .git/hooks)");
            }
        }
    }

    private static List<String> checked(String key, List<String> entries) {
        for (String e : entries) {
            if (e == null || e.isBlank()) {
                throw new IllegalArgumentException(key + ": empty entry");
            }
            for (String part : e.split("/")) {
                if (part.equals("..")) {
                    throw new IllegalArgumentException(key + ": '" + e + "' contains '..'");
                }
            }
        }
        return List.copyOf(entries);
    }
}
