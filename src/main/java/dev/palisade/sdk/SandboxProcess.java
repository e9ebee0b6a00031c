package dev.palisade.sdk;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A command running in a session.
 *
 * <p><b>Callbacks.</b> Each process has its own delivery: a virtual thread, started when there is
 * something to deliver, runs its filters and callbacks one event at a time in arrival order. Callbacks
 * of one process never run concurrently; those of different processes may. Events that arrive before
 * the first callback of their kind is registered are held and replayed to it.
 *
 * <p><b>Backpressure.</b> The connection's reader never waits for a callback. It queues output for
 * delivery up to {@value #DELIVERY_BUDGET} bytes per process (held events count); beyond that, output
 * chunks are dropped and reported to {@code onLost} with their byte and chunk count as soon as the
 * queue has room again, or before the exit. Exit, lost and violation events are never dropped.
 * A callback that never returns therefore stalls only its own process's later callbacks and
 * {@link #waitFor()}, and costs at most the budget in memory.
 */
public interface SandboxProcess {
    /** Output bytes a process may have queued for delivery before further output is dropped. */
    long DELIVERY_BUDGET = 8L << 20;

    /** The process id, {@code <session>/p<N>}. */
    String id();

    /**
     * Adds an output callback (chunks of stdout and stderr, each stream in order).
     *
     * @param callback the callback
     * @return this process
     */
    SandboxProcess onOutput(Consumer<OutputChunk> callback);

    /**
     * Adds a callback for output dropped because delivery fell behind. A count of output the daemon
     * dropped may arrive after the exit (the daemon reports it when its buffer next has room), so this
     * callback can run after {@code onExit} and after {@link #waitFor()} returned.
     *
     * @param callback the callback
     * @return this process
     */
    SandboxProcess onLost(Consumer<LostOutput> callback);

    /**
     * Adds a callback for violations.
     *
     * @param callback the callback
     * @return this process
     */
    SandboxProcess onViolation(Consumer<Violation> callback);

    /**
     * Adds a callback for the exit, called after every output callback of the process has run. A
     * callback added after the exit was delivered is called at once (on the delivery thread).
     *
     * @param callback the callback
     * @return this process
     */
    SandboxProcess onExit(Consumer<ExitStatus> callback);

    /**
     * Waits for the exit to be delivered (after all callbacks before it ran).
     *
     * @return how it ended
     * @throws PalisadeException {@code disconnected} if the connection ended first, {@code interrupted}
     */
    ExitStatus waitFor() throws PalisadeException;

    /**
     * Waits at most {@code timeout} for the exit.
     *
     * @param timeout how long to wait
     * @return how it ended, or empty if it still runs
     * @throws PalisadeException {@code disconnected} if the connection ended first, {@code interrupted}
     */
    Optional<ExitStatus> waitFor(Duration timeout) throws PalisadeException;

    /**
     * Writes to the command's standard input (requires {@link ExecRequest#withStdinPipe()}). The
     * daemon queues at most 1 MiB per process; while that is full this call waits (polling with
     * back-off up to 100 ms) for the command to read, so it blocks as long as the command does not
     * read its input.
     *
     * @param data the bytes
     * @throws PalisadeException {@code stdin-closed}, {@code stdin-failed}
     */
    void writeStdin(byte[] data) throws PalisadeException;

    /**
     * Closes the command's standard input: it reads end of file.
     *
     * @throws PalisadeException if the daemon no longer knows the process
     */
    void closeStdin() throws PalisadeException;

    /**
     * Sends a signal to the command's processes (not to the sandbox's init).
     *
     * @param signal the signal number, 1..64
     * @return how many processes were signalled (0 if it has not started yet or has ended)
     * @throws PalisadeException {@code signal-failed}
     */
    int signal(int signal) throws PalisadeException;
}
