package dev.palisade.paths;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Host folders that are never shared into a sandbox unless the user forces it. Two kinds:
 * <em>containers</em> (/, the home folder, /home, /tmp), refused themselves and as any ancestor,
 * since sharing them shares everything below; and <em>secrets and system</em> (/etc, /proc, ~/.ssh,
 * …), refused themselves, as an ancestor, and anywhere below.
 */
final class SensitivePaths {
    private static final List<String> SYSTEM = List.of(
            "/etc", "/proc", "/sys", "/dev", "/boot", "/run", "/usr", "/bin", "/sbin",
            "/lib", "/lib32", "/lib64", "/libx32", "/var/lib", "/var/run", "/var/log", "/srv", "/snap");
    private static final List<String> HOME_SECRETS = List.of(
            ".ssh", ".gnupg", ".aws", ".config", ".azure", ".kube", ".docker", ".netrc", ".password-store",
            ".local/share/keyrings", ".mozilla", ".pki", ".npmrc", ".pypirc", ".git-credentials");

    private final List<Path> containers = new ArrayList<>();
    private final List<Path> secrets = new ArrayList<>();

    SensitivePaths(Path home, List<Path> stateDirs) {
        containers.add(Path.of("/"));
        containers.add(Path.of("/home"));
        containers.add(Path.of("/tmp"));
        containers.add(Path.of("/var/tmp"));
        containers.add(Path.of("/root"));
        containers.add(home);
        for (String s : SYSTEM) {
            secrets.add(Path.of(s));
        }
        for (String s : HOME_SECRETS) {
            secrets.add(home.resolve(s));
        }
        secrets.addAll(stateDirs);
    }

    /** Why a canonical path is sensitive, or empty if it may be shared. */
    Optional<String> reason(Path real) {
        for (Path c : containers) {
            if (c.startsWith(real)) {
                return Optional.of(real.equals(c)
                        ? real + " would share too much (it holds other users' or other projects' files)"
                        : real + " contains " + c + ", which is never shared whole");
            }
        }
        for (Path s : secrets) {
            if (s.startsWith(real) || real.startsWith(s)) {
                return Optional.of(real.equals(s) || real.startsWith(s)
                        ? real + " is inside " + s + " (system files or credentials)"
                        : real + " contains " + s + " (system files or credentials)");
            }
        }
        return Optional.empty();
    }
}
