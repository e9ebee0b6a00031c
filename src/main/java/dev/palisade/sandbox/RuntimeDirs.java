package dev.palisade.sandbox;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import dev.palisade.sys.Libc;

/**
 * Palisade's private per-user runtime folder: {@code $XDG_RUNTIME_DIR/palisade}, or
 * {@code /tmp/palisade-<uid>} when there is no runtime dir. Created 0700; refused if it is a
 * symlink or owned by someone else, since it holds the files a sandbox is built from.
 */
public final class RuntimeDirs {
    private RuntimeDirs() {
    }

    /** The base folder, created if needed. */
    public static Path base() throws IOException {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        Path base = xdg != null && !xdg.isEmpty() && Files.isDirectory(Path.of(xdg))
                ? Path.of(xdg, "palisade")
                : Path.of("/tmp", "palisade-" + Libc.geteuid());
        return privateDir(base);
    }

    /**
     * Creates (or checks) a folder that only this user can enter.
     *
     * @param dir the folder
     * @return the folder
     * @throws IOException if it cannot be created or is not safe to use
     */
    public static Path privateDir(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " exists and is not a plain directory; refusing to use it");
            }
            int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != Libc.geteuid()) {
                throw new IOException(dir + " is owned by uid " + owner + ", not by you; refusing to use it");
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        return dir;
    }

    /** Deletes a folder tree, best effort, without following symlinks. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Best effort: a leftover file in our private runtime dir harms nobody.
                }
            });
        } catch (IOException ignored) {
            // Same: cleanup is best effort.
        }
    }
}
