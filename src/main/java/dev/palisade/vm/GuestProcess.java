package dev.palisade.vm;

import java.io.IOException;
import java.time.Duration;

/** A command running in the guest, on its own stream of the channel. */
public final class GuestProcess {
    private final AgentConnection agent;
    private final int stream;
    private final ExecCollector collector;

    GuestProcess(AgentConnection agent, int stream, ExecCollector collector) {
        this.agent = agent;
        this.stream = stream;
        this.collector = collector;
    }

    /** The command's stream id on the channel. */
    public int stream() {
        return stream;
    }

    /**
     * Delivers a signal to the command.
     *
     * @param signal the signal number, 1..64
     */
    public void signal(int signal) throws IOException {
        agent.send(new Frame.Signal(stream, signal));
    }

    /**
     * Sends bytes to the command's standard input.
     *
     * @param data the bytes
     */
    public void write(byte[] data) throws IOException {
        for (int off = 0; off < data.length;) {
            int n;
            try {
                // Waits, on the caller's thread, for the guest to grant credit: a command that does
                // not read its input stalls this writer only.
                n = collector.stdinWindow.acquire(Math.min(data.length - off, GuestCommand.CHUNK));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted waiting for stdin credit on stream " + stream);
            }
            agent.send(new Frame.Stdin(stream, java.util.Arrays.copyOfRange(data, off, off + n), false));
            collector.countStdin(n);
            off += n;
        }
    }

    /**
     * How many bytes of standard input the guest has: after a re-attach, what it had received when
     * it answered, plus what was written since. Writing resumes from there.
     */
    public long stdinOffset() {
        return collector.stdinOffset();
    }

    /**
     * The absolute offset of the first byte of a channel this process object holds: 0, or for a
     * re-attach where the guest's replay started ({@link #expiredBytes} after the offset asked for).
     */
    public long firstOffset(Frame.OutputChannel channel) {
        return collector.firstOffset(channel);
    }

    /**
     * The absolute offset after the last byte of a channel received so far: where a re-attach
     * after a lost connection continues from.
     */
    public long offset(Frame.OutputChannel channel) {
        return collector.offset(channel);
    }

    /** The bytes of a channel received so far, starting at {@link #firstOffset}. */
    byte[] received(Frame.OutputChannel channel) {
        return collector.received(channel);
    }

    /**
     * Bytes of a channel lost at a re-attach: asked for, but already dropped from the guest's
     * bounded replay buffer (EXPIRED). 0 when the replay was complete.
     */
    public long expiredBytes(Frame.OutputChannel channel) {
        return collector.expired(channel);
    }

    /** Closes the command's standard input (end of file). */
    public void closeInput() throws IOException {
        agent.send(new Frame.Stdin(stream, new byte[0], true));
    }

    /**
     * Waits for the command to end.
     *
     * @param timeout how long to wait
     * @return how it ended and its output
     * @throws IOException if it does not end in time or the channel fails
     */
    public ExecResult await(Duration timeout) throws IOException, InterruptedException {
        return collector.await(timeout);
    }
}
