package dev.palisade.daemon;

import java.nio.file.Path;

import dev.palisade.sys.Libc;

/**
 * Where the daemon lives: the socket under {@code $XDG_RUNTIME_DIR/palisade} (else
 * {@code /tmp/palisade-<uid>}), the session records under {@code $XDG_STATE_HOME/palisade} (else
 * {@code ~/.local/state/palisade}). The XDG Base Directory Specification names both variables.
 */
public final class DaemonPaths {
    private DaemonPaths() {
    }

    /** The folder that holds the socket. */
    public static Path socketDir() {
        String rt = System.getenv("XDG_RUNTIME_DIR");
        if (rt != null && rt.startsWith("/")) {
            return Path.of(rt, "palisade");
        }
        return Path.of("/tmp", "palisade-" + Libc.geteuid());
    }

    /** The API socket. */
    public static Path socket() {
        return socketDir().resolve("api.sock");
    }

    /** The folder of session records. */
    public static Path stateDir() {
        String st = System.getenv("XDG_STATE_HOME");
        if (st != null && st.startsWith("/")) {
            return Path.of(st, "palisade");
        }
        return Path.of(System.getProperty("user.home"), ".local", "state", "palisade");
    }
}
