package dev.palisade.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * Gates tests on what the machine provides. On a developer's laptop a missing prerequisite skips
 * the test; under CI ({@code CI=true}) it fails it, so a missing install step can never turn a
 * security test into a silent skip.
 */
public final class Prerequisites {
    private Prerequisites() {
    }

    /** True when running under CI, where every prerequisite is mandatory. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Requires a condition: skips the test when it does not hold, or fails it under CI.
     *
     * @param condition whether the prerequisite is met
     * @param what what is missing, in words ("bwrap on PATH")
     */
    public static void require(boolean condition, String what) {
        if (condition) {
            return;
        }
        if (inCi()) {
            throw new AssertionError("prerequisite missing under CI=true: " + what);
        }
        Assumptions.abort("prerequisite missing: " + what);
    }

    /** Requires an executable on the PATH (or an absolute path). */
    public static Path requireExecutable(String name) {
        Path found = which(name);
        require(found != null, name + " on PATH");
        return found;
    }

    /** Requires the test to run as root (uid 0). */
    public static void requireRoot() {
        require(isRoot(), "running as root");
    }

    /** Whether this JVM runs as uid 0. */
    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Finds an executable on the PATH, or null. */
    public static Path which(String name) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
