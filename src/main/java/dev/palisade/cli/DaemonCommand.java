package dev.palisade.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.palisade.daemon.Daemon;
import dev.palisade.daemon.DaemonPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code palisade daemon}: serve the API on a Unix socket until SIGTERM. */
@Command(name = "daemon", description = "Serve the session API on a Unix socket (docs/api.md).")
final class DaemonCommand implements Callable<Integer> {
    @Option(names = "--socket", paramLabel = "PATH", description = "Socket path (default: $XDG_RUNTIME_DIR/palisade/api.sock, else /tmp/palisade-UID/api.sock).")
    Path socket;

    @Option(names = "--state", paramLabel = "DIR", description = "State folder (default: $XDG_STATE_HOME/palisade, else ~/.local/state/palisade).")
    Path state;

    @Override
    public Integer call() throws InterruptedException {
        Daemon d;
        try {
            d = Daemon.bind(socket != null ? socket : DaemonPaths.socket(), state != null ? state : DaemonPaths.stateDir());
        } catch (IOException e) {
            return Fail.with(e.getMessage());
        }
        for (String id : d.recovered()) {
            System.err.println("palisade: cleared stale session " + id + " left by a previous daemon");
        }
        // SIGTERM runs shutdown hooks: every session closes, its commands die, its folders go.
        Runtime.getRuntime().addShutdownHook(new Thread(d::close, "daemon-shutdown"));
        System.err.println("palisade: listening on " + d.socket());
        try {
            d.serve();
        } catch (IOException e) {
            d.close();
            return Fail.with(e.getMessage());
        }
        return 0;
    }
}
