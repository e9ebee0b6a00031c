package dev.palisade.guard;

import java.util.ArrayList;
import java.util.List;

/**
 * The guard's rule decisions for one folder, for callers outside the FUSE view (the daemon's file
 * API): the same {@link GuardRules} patterns, matched the same way, so a path the guard refuses is
 * refused by the API too. Paths are segment lists relative to the folder root. No I/O.
 */
public final class PathRules {
    private final RuleBook book;
    private final List<Glob> denyRead = new ArrayList<>();
    private final List<Glob> allowWrite = new ArrayList<>();

    /**
     * Compiles rules.
     *
     * @param rules blocked types, denyWrite and protected patterns of the folder
     * @param denyReadPatterns anchored patterns of paths that may not be read (see {@link GuardRules#patternsFor})
     * @param allowWritePatterns anchored patterns of paths made writable in a read-only folder
     */
    public PathRules(GuardRules rules, List<String> denyReadPatterns, List<String> allowWritePatterns) {
        this.book = new RuleBook(rules);
        for (String p : denyReadPatterns) {
            Glob.validate("denyRead", p);
            denyRead.add(Glob.compile(p));
        }
        for (String p : allowWritePatterns) {
            Glob.validate("allowWrite", p);
            allowWrite.add(Glob.compile(p));
        }
    }

    /**
     * Whether an allowWrite pattern covers the path (it may be written although its folder is
     * read-only).
     *
     * @param path segments below the folder root
     * @return true if covered
     */
    public boolean writableInReadOnly(List<String> path) {
        for (Glob g : allowWrite) {
            if (g.covers(path)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The blocked type a name carries, or null.
     *
     * @param name the last path segment
     * @param directory whether it names a directory (only bundle types such as .app apply)
     * @return the type, like ".exe", or null
     */
    public String blockedType(String name, boolean directory) {
        return book.blockedType(name, directory);
    }

    /**
     * The rule that forbids creating, modifying or deleting the path, or null. Unlike the guard
     * there is no fresh-repository exemption: the API never writes protected paths.
     *
     * @param path segments below the folder root
     * @param directory whether the path is (or will be) a directory
     * @return a description of the rule, or null
     */
    public String writeRule(List<String> path, boolean directory) {
        return book.writeRule(path, p -> false, directory);
    }

    /**
     * The rule a directory rename or recursive delete would defeat (the directory anchors a deeper
     * protected or denied path), or null.
     *
     * @param path segments below the folder root
     * @return a description of the rule, or null
     */
    public String dirRule(List<String> path) {
        return book.renameDirRule(path);
    }

    /**
     * The denyRead pattern covering the path, or null.
     *
     * @param path segments below the folder root
     * @return the pattern as written, or null
     */
    public String readRule(List<String> path) {
        for (Glob g : denyRead) {
            if (g.covers(path)) {
                return g.source();
            }
        }
        return null;
    }
}
