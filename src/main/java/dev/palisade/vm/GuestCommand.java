package dev.palisade.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import dev.palisade.sys.Libc;

/**
 * One command run by the guest agent, detached from the connection: its output goes into a bounded
 * replay buffer per channel ({@link OutputBuffer}) and one sender thread forwards it in chunks with
 * absolute offsets, within the host's credit window; standard input is fed from a queue by its own
 * virtual thread, within the guest's window. After a host reconnect, {@link #attach} rewinds the
 * senders to the host's offsets (replay) and answers with ATTACHED, which says where each replay
 * starts; a later start than asked means the bytes between expired. EXIT is sent (again, after a
 * re-attach) once all output up to the end has been sent.
 */
final class GuestCommand {
    /** Output chunk size: frames stay well under virtio_console's 32 KiB write split. */
    static final int CHUNK = 32000;

    /** An item of standard input, tagged with the attach epoch whose host sent it. */
    private record Input(byte[] data, boolean eof, int epoch) {
    }

    private final int stream;
    private final Process process;
    private final GuestAgent agent;
    private final BlockingQueue<Input> stdin = new LinkedBlockingQueue<>();
    private final ReceiveWindow stdinWindow = new ReceiveWindow("STDIN");
    /** Guards the buffers, window, exit and epoch. */
    private final Object lock = new Object();
    /** Held while a frame is sent: ATTACHED must precede every frame of its epoch. */
    private final Object sendLock = new Object();
    private final OutputBuffer out;
    private final OutputBuffer err;
    private long window = Frame.INITIAL_WINDOW;
    private Frame.Exit exit;
    private boolean exitSent;
    private int epoch;
    private long stdinReceived;
    private boolean closed;
    private boolean preferErr;
    private final boolean sandboxed;

    GuestCommand(int stream, Process process, GuestAgent agent, int replayBuffer, boolean sandboxed) {
        this.sandboxed = sandboxed;
        this.stream = stream;
        this.process = process;
        this.agent = agent;
        this.out = new OutputBuffer(replayBuffer);
        this.err = new OutputBuffer(replayBuffer);
    }

    void start() {
        Thread o = Thread.ofVirtual().name("out-" + stream).start(() -> pump(process.getInputStream(), out));
        Thread e = Thread.ofVirtual().name("err-" + stream).start(() -> pump(process.getErrorStream(), err));
        Thread.ofVirtual().name("in-" + stream).start(this::feed);
        Thread.ofVirtual().name("send-" + stream).start(this::sendLoop);
        Thread.ofVirtual().name("wait-" + stream).start(() -> finish(o, e));
    }

    /** Copies one of the command's pipes into its buffer; waits while the buffer is full of unsent bytes. */
    private void pump(InputStream in, OutputBuffer buffer) {
        byte[] buf = new byte[CHUNK];
        try (in) {
            for (int n; (n = in.read(buf)) > 0;) {
                synchronized (lock) {
                    while (!buffer.fits(n) && !closed) {
                        lock.wait();
                    }
                    buffer.append(buf, n);
                    lock.notifyAll();
                }
            }
        } catch (IOException e) {
            System.err.println("palisade-agent: output of stream " + stream + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (lock) {
                buffer.markEof();
                lock.notifyAll();
            }
        }
    }

    private void sendLoop() {
        try {
            while (true) {
                Frame f;
                int ep;
                synchronized (lock) {
                    while ((f = next()) == null) {
                        if (closed) {
                            return;
                        }
                        lock.wait();
                    }
                    ep = epoch;
                }
                synchronized (sendLock) {
                    synchronized (lock) {
                        if (ep != epoch) {
                            // Taken before a re-attach rewound the buffers: the replay covers it.
                            continue;
                        }
                    }
                    try {
                        agent.send(f);
                    } catch (IOException e) {
                        // The host is gone: wait for the next one to attach (its ATTACH resets the window).
                        synchronized (lock) {
                            window = 0;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The next frame to send, or null to wait. Called with the lock held. */
    private Frame next() {
        if (window > 0) {
            OutputBuffer first = preferErr ? err : out;
            OutputBuffer second = preferErr ? out : err;
            OutputBuffer b = first.unsent() > 0 ? first : second.unsent() > 0 ? second : null;
            if (b != null) {
                preferErr = b == out;
                long offset = b.sentOffset();
                byte[] data = b.take((int) Math.min(CHUNK, window));
                window -= data.length;
                // The pump may be waiting for room.
                lock.notifyAll();
                return new Frame.Output(stream, b == out ? Frame.OutputChannel.STDOUT : Frame.OutputChannel.STDERR,
                        offset, data);
            }
        }
        if (exit != null && !exitSent && out.unsent() == 0 && err.unsent() == 0) {
            exitSent = true;
            return exit;
        }
        return null;
    }

    /** The host's CREDIT for this stream's output. */
    void credit(int bytes) throws FrameException {
        synchronized (lock) {
            if (window + bytes > Integer.MAX_VALUE) {
                throw new FrameException("CREDIT on stream " + stream + " grants " + (window + bytes)
                        + " bytes in all, more than the host could have received");
            }
            window += bytes;
            lock.notifyAll();
        }
    }

    /**
     * A (re-)attaching host: rewinds both channels to its offsets, resets the windows and answers
     * with ATTACHED before any frame of the new epoch.
     */
    void attach(Frame.Attach a) throws IOException {
        synchronized (sendLock) {
            Frame.Attached reply;
            synchronized (lock) {
                long o = out.rewind(a.stdout(), stream, Frame.OutputChannel.STDOUT);
                long e = err.rewind(a.stderr(), stream, Frame.OutputChannel.STDERR);
                window = Frame.INITIAL_WINDOW;
                exitSent = false;
                epoch++;
                stdinWindow.reset();
                reply = new Frame.Attached(stream, o, e, stdinReceived);
                lock.notifyAll();
            }
            agent.send(reply);
        }
    }

    private void feed() {
        try (OutputStream in = process.getOutputStream()) {
            while (true) {
                Input s = stdin.take();
                in.write(s.data());
                in.flush();
                if (s.eof()) {
                    return;
                }
                grantStdin(s);
            }
        } catch (IOException e) {
            // The command closed its input or exited; later input has nowhere to go.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Credit for stdin the command has taken, unless a re-attach started a new window since. */
    private void grantStdin(Input s) {
        synchronized (sendLock) {
            int grant;
            synchronized (lock) {
                if (s.epoch() != epoch) {
                    return;
                }
                grant = stdinWindow.consumed(s.data().length);
            }
            if (grant > 0) {
                agent.sendQuietly(new Frame.Credit(stream, grant));
            }
        }
    }

    private void finish(Thread o, Thread e) {
        try {
            int status = process.waitFor();
            o.join();
            e.join();
            // The JDK reports death by signal N as 128+N (sh's and bwrap's convention too); 129..192 is read as a signal.
            boolean signaled = status > 128 && status <= 128 + 64;
            synchronized (lock) {
                exit = new Frame.Exit(stream, signaled ? 0 : status & 0xff, signaled ? status - 128 : 0);
                lock.notifyAll();
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            stdin.add(new Input(new byte[0], true, -1));
            agent.finished(stream);
        }
    }

    /**
     * Bytes for standard input.
     *
     * @throws FrameException if the host overran the stdin window
     */
    void input(Frame.Stdin s) throws FrameException {
        synchronized (lock) {
            stdinWindow.receive(stream, s.data().length);
            stdinReceived += s.data().length;
            stdin.add(new Input(s.data(), s.eof(), epoch));
        }
    }

    /**
     * Delivers a signal. A sandboxed command runs below bwrap's init in a new pid namespace; that
     * init leads the sandbox's session and process group ({@code --new-session}), which the command
     * is in. The signal goes to that group, as a terminal's would: the command can catch it, and
     * the init ignores it unless it is SIGKILL (pid_namespaces(7): an ancestor namespace can only
     * send a namespace's init the signals it handles, and SIGKILL), which ends the whole sandbox.
     * Until the sandbox exists (or when the command is not sandboxed) the signal goes to the
     * process the agent started; bwrap dying takes the sandbox with it ({@code --die-with-parent}).
     */
    void signal(int signal) throws IOException {
        int pid = (int) process.pid();
        if (sandboxed) {
            // A signal while bwrap is still setting up would hit a half-built sandbox: wait (a few
            // hundred ms under TCG) until bwrap's init has started the command.
            for (int i = 0; i < SANDBOX_WAIT_STEPS && !exited(); i++) {
                int init = firstChild(pid);
                if (init > 0 && firstChild(init) > 0) {
                    try {
                        Libc.kill(-init, signal);
                        return;
                    } catch (IOException e) {
                        // The group is gone (the sandbox just ended): signal bwrap instead.
                        break;
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!exited()) {
            Libc.kill(pid, signal);
        }
    }

    /** Up to 3 s of 50 ms steps for bwrap to start the command before a signal falls back to bwrap. */
    private static final int SANDBOX_WAIT_STEPS = 60;

    /** The first child of a process (proc(5): /proc/PID/task/TID/children), or 0. */
    private static int firstChild(int pid) {
        try {
            String c = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Integer.toString(pid), "task",
                    Integer.toString(pid), "children")).strip();
            return c.isEmpty() ? 0 : Integer.parseInt(c.split(" ")[0]);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    boolean exited() {
        synchronized (lock) {
            return exit != null;
        }
    }

    /** Forgets the command (an old finished one): its sender thread ends. */
    void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }
}
