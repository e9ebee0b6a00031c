package dev.palisade.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import dev.palisade.sys.Libc;

/**
 * One command run by the guest agent: its output is pumped to the channel as it appears, in
 * chunks with absolute offsets; standard input is fed from a queue by its own virtual thread, so
 * a command that does not read cannot stall the agent's frame loop.
 */
final class GuestCommand {
    /** Output chunk size: frames stay well under virtio_console's 32 KiB write split. */
    static final int CHUNK = 32000;

    private final int stream;
    private final Process process;
    private final GuestAgent agent;
    private final BlockingQueue<Frame.Stdin> stdin = new LinkedBlockingQueue<>();

    GuestCommand(int stream, Process process, GuestAgent agent) {
        this.stream = stream;
        this.process = process;
        this.agent = agent;
    }

    void start() {
        Thread out = Thread.ofVirtual().name("out-" + stream).start(() -> pump(process.getInputStream(),
                Frame.OutputChannel.STDOUT));
        Thread err = Thread.ofVirtual().name("err-" + stream).start(() -> pump(process.getErrorStream(),
                Frame.OutputChannel.STDERR));
        Thread.ofVirtual().name("in-" + stream).start(this::feed);
        Thread.ofVirtual().name("wait-" + stream).start(() -> finish(out, err));
    }

    private void pump(InputStream in, Frame.OutputChannel channel) {
        long offset = 0;
        byte[] buf = new byte[CHUNK];
        try (in) {
            for (int n; (n = in.read(buf)) > 0;) {
                agent.send(new Frame.Output(stream, channel, offset, java.util.Arrays.copyOf(buf, n)));
                offset += n;
            }
        } catch (IOException e) {
            agent.sendQuietly(new Frame.Error(stream, channel + " of the command failed: " + e.getMessage()));
        }
    }

    private void feed() {
        try (OutputStream in = process.getOutputStream()) {
            while (true) {
                Frame.Stdin s = stdin.take();
                in.write(s.data());
                in.flush();
                if (s.eof()) {
                    return;
                }
            }
        } catch (IOException e) {
            // The command closed its input or exited; later input has nowhere to go.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void finish(Thread out, Thread err) {
        try {
            int status = process.waitFor();
            out.join();
            err.join();
            // The JDK reports death by signal N as 128+N (sh's convention too); 129..192 is read as a signal.
            boolean signaled = status > 128 && status <= 128 + 64;
            agent.sendQuietly(new Frame.Exit(stream, signaled ? 0 : status & 0xff, signaled ? status - 128 : 0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stdin.add(new Frame.Stdin(stream, new byte[0], true));
            agent.finished(stream);
        }
    }

    void input(Frame.Stdin s) {
        stdin.add(s);
    }

    void signal(int signal) throws IOException {
        Libc.kill((int) process.pid(), signal);
    }
}
