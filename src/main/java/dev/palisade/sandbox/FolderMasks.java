package dev.palisade.sandbox;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.paths.MountValidator;
import dev.palisade.paths.PathRefusedException;
import dev.palisade.paths.PathTranslator;
import dev.palisade.policy.FilesystemPolicy;

/**
 * Turns the filesystem rules into bind mounts on top of the shared folders:
 * <ul>
 * <li>allowWrite: a read-write bind of a path inside a read-only folder;</li>
 * <li>protected paths and denyWrite in read-write folders: a read-only bind of the path onto itself,
 *     or, when it does not exist, a read-only empty directory in its place so it cannot be created;
 *     every existing ancestor below the folder root is bound onto itself, because a mount point
 *     cannot be renamed (rename(2): EBUSY) — so {@code mv .git .g} cannot move the protection away
 *     while git still writes inside {@code .git};</li>
 * <li>denyRead: an empty read-only tmpfs over a directory, /dev/null over a file.</li>
 * </ul>
 * Placeholders that bwrap has to create in a read-write folder (the mount point of a masked missing
 * path) are recorded so the launcher can remove them when the command ends.
 */
final class FolderMasks {
    /** How many entries a glob may visit per folder before the start is refused. */
    private static final int GLOB_WALK_LIMIT = 200_000;

    private final PathTranslator translator;
    private final MountValidator validator;
    private final Path emptyDir;
    /** Mount operations keyed by sandbox path; the strongest operation for a path wins. */
    private final Map<String, Op> ops = new LinkedHashMap<>();
    private final List<Path> placeholders = new ArrayList<>();

    private enum Kind { WRITABLE, SELF_RW, READ_ONLY, MASK_MISSING, HIDE }

    private record Op(Kind kind, Path host, String sandbox) {
    }

    /** Folders whose write rules the file guard enforces itself: no bind masks there. */
    private final java.util.Set<String> guarded;

    FolderMasks(PathTranslator translator, MountValidator validator, Path emptyDir) {
        this(translator, validator, emptyDir, java.util.Set.of());
    }

    FolderMasks(PathTranslator translator, MountValidator validator, Path emptyDir, java.util.Set<String> guarded) {
        this.guarded = java.util.Set.copyOf(guarded);
        this.translator = translator;
        this.validator = validator;
        this.emptyDir = emptyDir;
    }

    /**
     * Plans the masks for a policy.
     *
     * @param fs the filesystem rules
     * @throws PathRefusedException when a rule cannot be honoured safely
     */
    void plan(FilesystemPolicy fs) throws PathRefusedException {
        for (String entry : fs.allowWrite()) {
            for (Target t : targets(entry, "filesystem.allowWrite", false)) {
                if (!Files.exists(t.host(), LinkOption.NOFOLLOW_LINKS)) {
                    throw new PathRefusedException("filesystem.allowWrite: " + t.host() + " does not exist");
                }
                if (t.mount().access() == Access.RO) {
                    put(new Op(Kind.WRITABLE, t.host(), t.sandbox()));
                }
            }
        }
        List<String> readOnly = new ArrayList<>(fs.protectedPaths());
        readOnly.addAll(fs.denyWrite());
        for (String entry : readOnly) {
            for (Target t : targets(entry, "filesystem.denyWrite", true)) {
                if (t.mount().access() == Access.RW || isWritableByRule(t.sandbox())) {
                    if (!guarded.contains(t.mount().name())) {
                        protect(t);
                    }
                }
            }
        }
        for (String entry : fs.denyRead()) {
            for (Target t : targets(entry, "filesystem.denyRead", false)) {
                if (Files.exists(t.host(), LinkOption.NOFOLLOW_LINKS)) {
                    put(new Op(Kind.HIDE, t.host(), t.sandbox()));
                }
            }
        }
    }

    private boolean isWritableByRule(String sandbox) {
        for (Op op : ops.values()) {
            if (op.kind() == Kind.WRITABLE && (sandbox + "/").startsWith(op.sandbox() + "/")) {
                return true;
            }
        }
        return false;
    }

    private void protect(Target t) throws PathRefusedException {
        Path root = t.mount().hostPath();
        Path rel = root.relativize(t.host());
        Path current = root;
        for (int i = 0; i < rel.getNameCount(); i++) {
            current = current.resolve(rel.getName(i));
            String sandbox = translator.toSandbox(current).orElseThrow();
            boolean last = i == rel.getNameCount() - 1;
            if (Files.isSymbolicLink(current)) {
                throw new PathRefusedException("protected path " + t.host() + " goes through the symlink " + current
                        + "; Palisade cannot protect it. Replace the link, or drop the path from"
                        + " filesystem.protectedPaths/denyWrite");
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                put(new Op(Kind.MASK_MISSING, current, sandbox));
                placeholders.add(current);
                return;
            }
            if (last) {
                put(new Op(Kind.READ_ONLY, current, sandbox));
            } else if (Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                put(new Op(Kind.SELF_RW, current, sandbox));
            } else {
                // A file where a directory would be: nothing can be created below it.
                return;
            }
        }
    }

    private void put(Op op) {
        Op old = ops.get(op.sandbox());
        if (old == null || op.kind().ordinal() > old.kind().ordinal()) {
            ops.put(op.sandbox(), op);
        }
    }

    /** The bwrap arguments, outermost paths first so inner binds are not covered. */
    List<String> bwrapArgs() {
        List<String> args = new ArrayList<>();
        List<Op> sorted = new ArrayList<>(ops.values());
        sorted.sort(Comparator.comparingInt((Op o) -> depth(o.sandbox())).thenComparing(Op::sandbox));
        for (Op op : sorted) {
            switch (op.kind()) {
                case WRITABLE, SELF_RW -> add(args, "--bind", op.host().toString(), op.sandbox());
                case READ_ONLY -> add(args, "--ro-bind", op.host().toString(), op.sandbox());
                case MASK_MISSING -> add(args, "--ro-bind", emptyDir.toString(), op.sandbox());
                case HIDE -> {
                    if (Files.isDirectory(op.host(), LinkOption.NOFOLLOW_LINKS)) {
                        add(args, "--tmpfs", op.sandbox());
                        add(args, "--remount-ro", op.sandbox());
                    } else {
                        add(args, "--ro-bind", "/dev/null", op.sandbox());
                    }
                }
            }
        }
        return args;
    }

    /** Host paths bwrap creates as mount points for masked missing paths; removed after the run. */
    List<Path> placeholders() {
        return List.copyOf(placeholders);
    }

    private static void add(List<String> args, String... more) {
        args.addAll(List.of(more));
    }

    private static int depth(String sandboxPath) {
        return sandboxPath.split("/").length;
    }

    private record Target(Mount mount, Path host, String sandbox) {
    }

    /**
     * Resolves a rule entry to concrete paths: relative entries apply in every folder (every
     * read-write folder for write rules), absolute ones must lie inside a folder; globs are
     * expanded over what exists now.
     */
    private List<Target> targets(String entry, String key, boolean relativeOnlyRw) throws PathRefusedException {
        List<Target> out = new ArrayList<>();
        boolean relative = !entry.startsWith("/") && !entry.startsWith("~");
        boolean glob = entry.contains("*") || entry.contains("?") || entry.contains("[") || entry.contains("{");
        for (Mount m : translator.mounts()) {
            if (relative && relativeOnlyRw && m.access() != Access.RW && !isWritableByRule(translator.sandboxRoot(m))) {
                continue;
            }
            Path pattern = relative ? m.hostPath().resolve(entry).normalize() : validator.absolute(entry);
            if (!pattern.startsWith(m.hostPath())) {
                continue;
            }
            if (glob) {
                out.addAll(expand(m, pattern, key));
            } else if (!pattern.equals(m.hostPath()) || !relative) {
                out.add(new Target(m, pattern, translator.toSandbox(pattern).orElseThrow()));
            }
        }
        if (!relative && !glob && out.isEmpty() && key.equals("filesystem.allowWrite")) {
            throw new PathRefusedException(key + ": " + entry + " is not inside any mounted folder; mount it instead");
        }
        return out;
    }

    private List<Target> expand(Mount m, Path pattern, String key) throws PathRefusedException {
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        List<Target> out = new ArrayList<>();
        int[] seen = {0};
        try (var walk = Files.walk(m.hostPath())) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (++seen[0] > GLOB_WALK_LIMIT) {
                    throw new PathRefusedException(key + ": glob " + pattern + " visits more than " + GLOB_WALK_LIMIT
                            + " entries in " + m.hostPath() + "; use a narrower pattern");
                }
                if (!p.equals(m.hostPath()) && matcher.matches(p)) {
                    Optional<String> s = translator.toSandbox(p);
                    if (s.isPresent()) {
                        out.add(new Target(m, p, s.get()));
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new PathRefusedException(key + ": cannot expand " + pattern + ": " + e.getMessage());
        }
        return out;
    }
}
