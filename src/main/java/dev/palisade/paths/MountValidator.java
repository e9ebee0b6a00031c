package dev.palisade.paths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The one validator for folder shares: expands {@code ~}, refuses {@code ..} and symlinks, requires
 * an existing directory, and refuses sensitive host folders unless forced. Every mount the sandbox
 * tiers make has been through here.
 */
public final class MountValidator {
    private final Path cwd;
    private final Path home;
    private final SensitivePaths sensitive;

    /**
     * Creates a validator.
     *
     * @param cwd the directory relative paths are resolved against
     * @param home the user's home folder (for {@code ~} and the sensitive list)
     * @param stateDirs Palisade's own state folders, never shared
     */
    public MountValidator(Path cwd, Path home, List<Path> stateDirs) {
        this.cwd = cwd.toAbsolutePath().normalize();
        this.home = home.toAbsolutePath().normalize();
        this.sensitive = new SensitivePaths(this.home, stateDirs);
    }

    /**
     * Parses a command-line mount spec, {@code PATH[:ro|:rw]}.
     *
     * @param spec the spec
     * @param allowSensitive whether sensitive folders are forced through
     * @return the validated mount
     * @throws PathRefusedException naming the problem
     */
    public Mount validateSpec(String spec, boolean allowSensitive) throws PathRefusedException {
        String path = spec;
        Access access = Access.RO;
        int colon = spec.lastIndexOf(':');
        if (colon >= 0) {
            String suffix = spec.substring(colon + 1);
            if (suffix.equals("ro") || suffix.equals("rw")) {
                access = Access.parse(suffix);
                path = spec.substring(0, colon);
            }
        }
        return validate(path, access, null, allowSensitive);
    }

    /**
     * Validates a share.
     *
     * @param rawPath the host path as the user wrote it ({@code ~} allowed; relative to the cwd)
     * @param access read-only or read-write
     * @param name the folder's name inside, or null for the base name
     * @param allowSensitive whether sensitive folders are forced through
     * @return the validated mount
     * @throws PathRefusedException naming the path and the rule
     */
    public Mount validate(String rawPath, Access access, String name, boolean allowSensitive)
            throws PathRefusedException {
        Path absolute = absolute(rawPath);
        if (!Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            throw new PathRefusedException("folder does not exist: " + absolute);
        }
        Path real;
        try {
            real = absolute.toRealPath();
        } catch (IOException e) {
            throw new PathRefusedException("cannot resolve " + absolute + ": " + e.getMessage());
        }
        if (!real.equals(absolute)) {
            throw new PathRefusedException("mount path " + absolute + " goes through a symlink (it resolves to "
                    + real + "); give the real path if that folder is what you mean");
        }
        if (!Files.isDirectory(real)) {
            throw new PathRefusedException("not a folder: " + real + " (only folders can be mounted)");
        }
        if (!allowSensitive) {
            Optional<String> why = sensitive.reason(real);
            if (why.isPresent()) {
                throw new PathRefusedException("refusing to mount " + real + ": " + why.get()
                        + "; pass --allow-sensitive-mount (or \"allowSensitive\": true) if you really mean it");
            }
        }
        String folderName = name != null ? name : real.getFileName().toString();
        try {
            return new Mount(real, folderName, access);
        } catch (IllegalArgumentException e) {
            throw new PathRefusedException("cannot mount " + real + ": " + e.getMessage());
        }
    }

    /**
     * Makes a user-written host path absolute and normalized, refusing {@code ..} components.
     *
     * @param rawPath the path as written
     * @return the absolute path (not resolved: symlinks are left for the caller to judge)
     * @throws PathRefusedException for empty paths, NUL bytes or {@code ..}
     */
    public Path absolute(String rawPath) throws PathRefusedException {
        if (rawPath == null || rawPath.isEmpty()) {
            throw new PathRefusedException("empty path");
        }
        if (rawPath.indexOf('\0') >= 0) {
            throw new PathRefusedException("path contains a NUL byte");
        }
        for (String part : rawPath.split("/")) {
            if (part.equals("..")) {
                throw new PathRefusedException("path " + rawPath + " contains '..'; give a path without it");
            }
        }
        String expanded = rawPath;
        if (rawPath.equals("~")) {
            expanded = home.toString();
        } else if (rawPath.startsWith("~/")) {
            expanded = home + rawPath.substring(1);
        }
        return cwd.resolve(expanded).normalize();
    }

    /** The home folder this validator expands {@code ~} to. */
    public Path home() {
        return home;
    }
}
