package dev.palisade.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Palisade's persistent per-user state: {@code $XDG_STATE_HOME/palisade}, else
 * {@code ~/.local/state/palisade}. Holds what outlives a session on purpose, such as the file
 * guard's history for {@code palisade undo}. Never shared into a sandbox.
 */
public final class StateDirs {
    private StateDirs() {
    }

    /** The state folder (not created). */
    public static Path base() {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path root = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return root.resolve("palisade");
    }

    /**
     * A session's state folder, created private.
     *
     * @param sessionId the session
     * @return {@code <state>/sessions/<id>}
     * @throws IOException if it cannot be created
     */
    public static Path session(String sessionId) throws IOException {
        Path sessions = base().resolve("sessions");
        Files.createDirectories(sessions);
        return RuntimeDirs.privateDir(sessions.resolve(SessionIds.validate(sessionId)));
    }
}
