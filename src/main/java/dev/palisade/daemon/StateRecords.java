package dev.palisade.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.palisade.sandbox.RuntimeDirs;

/**
 * One file per open session in the state folder, removed when the session closes. What is left at
 * start is what a crashed daemon had open: its sandboxes died with it (bwrap --die-with-parent),
 * but its runtime folders remain; {@link #recover} removes them and says which.
 */
final class StateRecords {
    private final Path dir;

    StateRecords(Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        this.dir = RuntimeDirs.privateDir(RuntimeDirs.privateDir(dir).resolve("sessions"));
    }

    void record(String id, String json) throws IOException {
        Files.writeString(dir.resolve(id + ".json"), json);
    }

    void remove(String id) {
        try {
            Files.deleteIfExists(dir.resolve(id + ".json"));
        } catch (IOException e) {
            System.getLogger("palisade").log(System.Logger.Level.WARNING, "cannot remove record of " + id + ": " + e);
        }
    }

    /** Clears what a previous daemon left; returns the session ids it had open. */
    List<String> recover() throws IOException {
        List<String> stale = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".json")) {
                    continue;
                }
                String id = name.substring(0, name.length() - 5);
                stale.add(id);
                Path sessions = RuntimeDirs.base().resolve("sessions");
                RuntimeDirs.deleteTree(sessions.resolve(id));
                Files.deleteIfExists(sessions.resolve(id + ".lock"));
                // The network bridges' folders of its commands (SessionPolicy.launch).
                try (var nets = Files.list(RuntimeDirs.base())) {
                    for (Path n : (Iterable<Path>) nets::iterator) {
                        if (n.getFileName().toString().startsWith("net-" + id + "-p")) {
                            RuntimeDirs.deleteTree(n);
                        }
                    }
                }
                Files.deleteIfExists(f);
            }
        }
        return stale;
    }
}
