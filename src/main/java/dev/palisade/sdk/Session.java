package dev.palisade.sdk;

import java.io.InputStream;
import java.util.List;

/**
 * A session: a sandbox kept open across commands, with its folders. Paths given to the file methods
 * may be sandbox paths ({@code /sessions/<id>/mnt/<Name>/...}) or host paths inside the session's
 * folders; the daemon validates each one like a mount (no {@code ..} out, no symlink in any component,
 * no hardlinked file, no protected path, no blocked file type, no write to a read-only folder) and
 * refuses with a {@link PalisadeException} whose {@link PalisadeException#code() code} names the reason.
 */
public interface Session extends AutoCloseable {
    /** The session id. */
    String id();

    /**
     * Asks the daemon for the session's folders and processes.
     *
     * @return the description
     * @throws PalisadeException {@code no-such-session} once destroyed
     */
    SessionInfo info() throws PalisadeException;

    /**
     * Starts a command. Register callbacks on the result; events that arrive before the first callback
     * of their kind are kept and replayed to it, so nothing is missed between this call and the
     * registration.
     *
     * @param request the command
     * @return the running process
     * @throws PalisadeException e.g. {@code exec-failed}, {@code bad-cwd}
     */
    SandboxProcess exec(ExecRequest request) throws PalisadeException;

    /**
     * Starts a command with default settings.
     *
     * @param argv the command and its arguments
     * @return the running process
     * @throws PalisadeException e.g. {@code exec-failed}
     */
    default SandboxProcess exec(String... argv) throws PalisadeException {
        return exec(ExecRequest.of(argv));
    }

    /**
     * Follows a process started by another client, from its next output chunk on.
     *
     * @param processId the process id, {@code <session>/p<N>}
     * @return the process
     * @throws PalisadeException {@code no-such-process}
     */
    SandboxProcess follow(String processId) throws PalisadeException;

    /**
     * Describes a file without following a final symlink.
     *
     * @param path sandbox or host path
     * @return the description
     * @throws PalisadeException e.g. {@code not-found}, {@code path-outside}
     */
    FileInfo stat(String path) throws PalisadeException;

    /**
     * Lists a directory, sorted by name.
     *
     * @param path sandbox or host path of a directory
     * @return its entries
     * @throws PalisadeException e.g. {@code not-a-directory}
     */
    List<FileInfo> list(String path) throws PalisadeException;

    /**
     * Reads a whole file.
     *
     * @param path sandbox or host path
     * @return its bytes
     * @throws PalisadeException e.g. {@code symlink}, {@code hardlink}, {@code deny-read}
     */
    byte[] read(String path) throws PalisadeException;

    /**
     * Opens a file for reading in chunks of at most 512 KiB, each fetched when needed. A file that
     * changes while it is read yields a mix of old and new content.
     *
     * @param path sandbox or host path
     * @return the stream; its read methods throw {@link PalisadeException}
     * @throws PalisadeException if the first chunk cannot be read
     */
    InputStream open(String path) throws PalisadeException;

    /**
     * Creates or replaces a file with these bytes (sent in chunks of at most 512 KiB; not atomic: a
     * failure part-way leaves the chunks written so far).
     *
     * @param path sandbox or host path
     * @param data the content
     * @throws PalisadeException e.g. {@code read-only}, {@code blocked-file-type}
     */
    void write(String path, byte[] data) throws PalisadeException;

    /**
     * Creates or replaces a file with what a stream yields, chunk by chunk, without holding it all.
     *
     * @param path sandbox or host path
     * @param data the content; read to its end, not closed
     * @throws PalisadeException e.g. {@code read-only}; reading {@code data} failing is {@code io-error}
     */
    void write(String path, InputStream data) throws PalisadeException;

    /**
     * Creates a directory.
     *
     * @param path sandbox or host path
     * @param parents whether to create missing parents too
     * @throws PalisadeException e.g. {@code exists}
     */
    void mkdir(String path, boolean parents) throws PalisadeException;

    /**
     * Moves or renames a file or directory within the session's folders.
     *
     * @param from sandbox or host path
     * @param to sandbox or host path
     * @throws PalisadeException e.g. {@code exists}, {@code blocked-file-type}
     */
    void move(String from, String to) throws PalisadeException;

    /**
     * Deletes a file or directory.
     *
     * @param path sandbox or host path
     * @param recursive whether a non-empty directory goes with its content
     * @throws PalisadeException e.g. {@code not-empty}
     */
    void delete(String path, boolean recursive) throws PalisadeException;

    /**
     * Destroys the session in the daemon: its commands are killed, its runtime folder removed.
     *
     * @throws PalisadeException {@code no-such-session} if already gone
     */
    void destroy() throws PalisadeException;

    /** Destroys the session, ignoring that it may already be gone. */
    @Override
    void close();
}
