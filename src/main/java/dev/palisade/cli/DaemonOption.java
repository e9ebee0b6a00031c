package dev.palisade.cli;

import java.nio.file.Path;

import dev.palisade.daemon.DaemonPaths;
import dev.palisade.sdk.Palisade;
import dev.palisade.sdk.PalisadeException;
import picocli.CommandLine.Option;

/** {@code --socket}: which daemon the client commands talk to. */
final class DaemonOption {
    @Option(names = "--socket", paramLabel = "PATH",
            description = "Daemon socket (default: $XDG_RUNTIME_DIR/palisade/api.sock, else /tmp/palisade-UID/api.sock).")
    Path socket;

    /** Connects through the SDK; fails with a message naming the socket when no daemon runs. */
    Palisade connect() throws PalisadeException {
        return Palisade.connect(socket != null ? socket : DaemonPaths.socket());
    }
}
