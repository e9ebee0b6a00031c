package dev.palisade.sdk;

import java.nio.file.Path;
import java.util.List;

import dev.palisade.daemon.DaemonPaths;

/**
 * A connection to Palisade: to a running daemon ({@link #connect()}) or to a private daemon inside this
 * JVM ({@link #embedded()}). Both speak the protocol of docs/api.md and behave the same.
 *
 * <p>One virtual thread reads the connection. It only decodes and queues; callbacks run on a
 * per-process delivery thread, so a slow callback never stalls the reader or other processes
 * (see {@link SandboxProcess} for the buffering policy). Thread-safe.
 */
public interface Palisade extends AutoCloseable {
    /**
     * Connects to the daemon on the default socket: {@code $XDG_RUNTIME_DIR/palisade/api.sock}, else
     * {@code /tmp/palisade-<uid>/api.sock}.
     *
     * @return the connection
     * @throws PalisadeException {@code no-daemon} if none listens there, {@code peer-uid} if it refuses us
     */
    static Palisade connect() throws PalisadeException {
        return connect(DaemonPaths.socket());
    }

    /**
     * Connects to the daemon on a socket.
     *
     * @param socket the socket path
     * @return the connection
     * @throws PalisadeException {@code no-daemon} if none listens there, {@code peer-uid} if it refuses us
     */
    static Palisade connect(Path socket) throws PalisadeException {
        return Client.open(socket, () -> { });
    }

    /**
     * Starts a private daemon in this JVM, on a socket in a fresh 0700 folder, and connects to it.
     * Its sessions end when this connection closes.
     *
     * @return the connection
     * @throws PalisadeException if the daemon cannot start
     */
    static Palisade embedded() throws PalisadeException {
        return Embedded.start();
    }

    /**
     * Creates a session.
     *
     * @param options its id and folders
     * @return the session; closing it destroys it
     * @throws PalisadeException e.g. {@code session-exists}, {@code path-refused}
     */
    Session createSession(SessionOptions options) throws PalisadeException;

    /**
     * Opens an existing session (created by this or another client).
     *
     * @param id the session id
     * @return the session; closing it destroys it
     * @throws PalisadeException {@code no-such-session}
     */
    Session session(String id) throws PalisadeException;

    /**
     * The ids of the daemon's sessions.
     *
     * @return the ids
     * @throws PalisadeException if the daemon cannot answer
     */
    List<String> sessions() throws PalisadeException;

    /**
     * Adds a filter that every later output chunk of every process of this connection passes through,
     * after the filters added before it and before any {@code onOutput} callback.
     *
     * @param filter the filter
     */
    void addOutputFilter(OutputFilter filter);

    /** The socket this connection uses. */
    Path socket();

    /**
     * Closes the connection. Sessions stay open in a daemon reached by {@link #connect()}; an embedded
     * daemon closes with all its sessions. Processes still waited for fail with {@code disconnected}.
     */
    @Override
    void close();
}
