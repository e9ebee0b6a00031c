package dev.palisade.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** PATH lookups on the host (execvp(3) semantics, without running anything). */
public final class Executables {
    private Executables() {
    }

    /**
     * Finds an executable file on a PATH.
     *
     * @param name a command name (no slash)
     * @param path a colon-separated PATH; empty entries mean the current directory
     * @return the absolute path of the first executable regular file, if any
     */
    public static Optional<Path> find(String name, String path) {
        for (String dir : path.split(":", -1)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return Optional.of(p.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** Finds an executable on this process's PATH, then in /usr/bin and /bin. */
    public static Optional<Path> onPath(String name) {
        return find(name, System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/bin:/bin");
    }
}
