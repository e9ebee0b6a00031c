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
        for (int off = 0; off < data.length; off += GuestCommand.CHUNK) {
            int end = Math.min(data.length, off + GuestCommand.CHUNK);
            agent.send(new Frame.Stdin(stream, java.util.Arrays.copyOfRange(data, off, end), false));
        }
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
