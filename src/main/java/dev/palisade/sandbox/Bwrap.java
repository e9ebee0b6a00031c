package dev.palisade.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the bwrap executable. */
final class Bwrap {
    private Bwrap() {
    }

    /** The bwrap on the PATH (or in /usr/bin, /bin). */
    static String find() throws SandboxException {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/bin:/bin").split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "bwrap");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new SandboxException("bwrap not found: install bubblewrap (apt-get install bubblewrap),"
                + " or use --tier direct for an unisolated debugging run");
    }
}
