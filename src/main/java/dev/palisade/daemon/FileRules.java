package dev.palisade.daemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.palisade.guard.GuardRules;
import dev.palisade.guard.PathRules;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;

/**
 * The session's filesystem policy as the file API applies it, per folder: denyRead, read-only
 * folders (unless allowWrite), protected paths and denyWrite, blocked file types. The patterns are
 * the file guard's ({@link PathRules}), so the API refuses what the guard refuses inside.
 */
final class FileRules {
    private final Map<String, PathRules> byFolder = new HashMap<>();

    FileRules(FilesystemPolicy fs, List<Mount> mounts, Path userHome) {
        for (Mount m : mounts) {
            Path root = m.hostPath();
            GuardRules rules = new GuardRules(fs.blockedFileTypes(),
                    GuardRules.patternsFor(root, expand(fs.denyWrite(), userHome)),
                    GuardRules.patternsFor(root, expand(fs.protectedPaths(), userHome)), 0);
            byFolder.put(m.name(), new PathRules(rules, GuardRules.patternsFor(root, expand(fs.denyRead(), userHome)),
                    GuardRules.patternsFor(root, expand(fs.allowWrite(), userHome))));
        }
    }

    private static List<String> expand(List<String> entries, Path home) {
        List<String> out = new ArrayList<>();
        for (String e : entries) {
            out.add(e.equals("~") ? home.toString() : e.startsWith("~/") ? home + e.substring(1) : e);
        }
        return out;
    }

    private PathRules of(FileTarget t) {
        return byFolder.get(t.mount().name());
    }

    /** Refuses reading a path covered by denyRead. */
    void checkRead(FileTarget t) throws ProtocolException {
        String rule = of(t).readRule(t.rel());
        if (rule != null) {
            throw new ProtocolException("deny-read", t.describe() + " is hidden by filesystem.denyRead " + rule);
        }
    }

    /** Whether a list entry below a readable folder is hidden. */
    boolean hidden(FileTarget dir, String name) {
        List<String> p = new ArrayList<>(dir.rel());
        p.add(name);
        return of(dir).readRule(p) != null;
    }

    /**
     * Refuses changing a path: a read-only folder (unless allowWrite), a protected or denyWrite
     * path, and, for a name being created or written, a blocked file type.
     *
     * @param t the path
     * @param directory whether it is (or will be) a directory
     * @param naming whether the name itself is being created, written or renamed to (type check)
     */
    void checkWrite(FileTarget t, boolean directory, boolean naming) throws ProtocolException {
        PathRules r = of(t);
        checkRead(t);
        if (t.mount().access() == Access.RO && !r.writableInReadOnly(t.rel())) {
            throw new ProtocolException("read-only", t.describe() + " is in the read-only folder " + t.mount().name());
        }
        if (t.rel().isEmpty()) {
            throw new ProtocolException("protected-path", t.describe() + " is a folder root; it cannot be replaced,"
                    + " moved or deleted");
        }
        String rule = r.writeRule(t.rel(), directory);
        if (rule != null) {
            throw new ProtocolException("protected-path", t.describe() + " is protected (" + rule + ")");
        }
        if (naming) {
            String type = r.blockedType(t.name(), directory);
            if (type != null) {
                throw new ProtocolException("blocked-file-type", t.describe() + ": files of type " + type
                        + " are blocked (filesystem.blockedFileTypes)");
            }
        }
    }

    /** Refuses moving or recursively deleting a directory that anchors a deeper protected path. */
    void checkDirectoryChange(FileTarget t) throws ProtocolException {
        String rule = of(t).dirRule(t.rel());
        if (rule != null) {
            throw new ProtocolException("protected-path", t.describe() + " holds protected paths (" + rule + ")");
        }
    }

    /** Refuses deleting an entry below a directory being deleted recursively. */
    void checkDeleteBelow(FileTarget dir, List<String> rel, boolean directory) throws ProtocolException {
        String rule = byFolder.get(dir.mount().name()).writeRule(rel, directory);
        if (rule != null) {
            throw new ProtocolException("protected-path", dir.describe() + " holds the protected path "
                    + String.join("/", rel) + " (" + rule + ")");
        }
    }
}
