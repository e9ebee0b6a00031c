package dev.palisade.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.palisade.guard.History;
import dev.palisade.sandbox.SessionIds;
import dev.palisade.sandbox.StateDirs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code palisade undo SESSION [PATH…]}: put back what a session deleted or overwrote. */
@Command(name = "undo", description = "Restore files a session deleted, truncated or overwrote (file guard history).")
final class UndoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SESSION", description = "The session id.")
    String session;

    @Parameters(index = "1..*", paramLabel = "PATH", description = "Host paths (or paths relative to a folder) to restore;"
            + " none restores everything.")
    List<String> paths = new ArrayList<>();

    @Override
    public Integer call() {
        Path state;
        List<String> lines;
        try {
            state = StateDirs.base().resolve("sessions").resolve(SessionIds.validate(session));
            lines = Files.readAllLines(state.resolve("folders"));
        } catch (IllegalArgumentException e) {
            return Fail.with(e.getMessage());
        } catch (NoSuchFileException e) {
            return Fail.with("no file guard history for session " + session + " (only sessions with guarded read-write"
                    + " folders keep one)");
        } catch (IOException e) {
            return Fail.with("cannot read the history of session " + session + ": " + e.getMessage());
        }
        int restored = 0;
        for (String line : lines) {
            int tab = line.indexOf('\t');
            if (tab < 0) {
                continue;
            }
            String name = line.substring(0, tab);
            Path folder = Path.of(line.substring(tab + 1));
            List<String> mine = new ArrayList<>();
            for (String p : paths) {
                if (!p.startsWith("/") || Path.of(p).normalize().startsWith(folder)) {
                    mine.add(p);
                }
            }
            if (!paths.isEmpty() && mine.isEmpty()) {
                continue;
            }
            try {
                for (String p : History.restore(state.resolve("history").resolve(name), folder, mine)) {
                    System.out.println("restored " + folder.resolve(p));
                    restored++;
                }
            } catch (IOException e) {
                return Fail.with("cannot restore in " + folder + ": " + e.getMessage());
            }
        }
        System.out.println("undo: " + restored + " path(s) restored");
        return 0;
    }
}
