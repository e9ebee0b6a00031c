package dev.palisade.daemon;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.palisade.api.EventSink;
import dev.palisade.api.ViolationEvent;
import dev.palisade.sandbox.Exec;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.SandboxException;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sys.Libc;
import dev.palisade.sys.NativeException;
import dev.palisade.sys.Pty;

/**
 * One command started through the daemon: three pipes, a virtual thread that runs it, one platform reader
 * per output stream. Output chunks carry a per-stream sequence number and byte offset.
 */
final class DaemonProcess {
    private static final System.Logger LOG = System.getLogger("palisade");
    private final String id;
    private final String sessionId;
    private final List<Outbox> subscribers = new CopyOnWriteArrayList<>();
    private final int[] stdin;
    private final int[] stdout;
    private final int[] stderr;
    private volatile Outcome outcome;
    private volatile Outcome ended;
    private volatile String exitEvent;
    private final List<String> argv;
    private final SessionEvents events;
    private volatile String failure;
    private final Thread runner;
    private final List<Thread> readers = new ArrayList<>();

    private final SessionPolicy.Launch launch;
    private final dev.palisade.sandbox.CommandHandle handle = new dev.palisade.sandbox.CommandHandle();
    private final StdinPump stdinPump;
    /** A master descriptor of a tty process kept for resize (the reader closes its own); -1 without tty. */
    private final int ttyControl;
    private boolean ttyClosed;

    /**
     * Prepares the command; {@link #start} runs it, once the session has registered it (so that no
     * output can precede its {@code process} event).
     */
    DaemonProcess(String id, DaemonSession ds, List<String> argv, java.util.Map<String, String> env,
            String cwd, boolean stdinOpen, int[] tty) throws IOException {
        this.id = id;
        this.argv = List.copyOf(argv);
        this.events = ds.events;
        SandboxSession session = ds.sandbox;
        // The network bridge's proxies report each refused connection here, as this command's.
        EventSink sink = e -> {
            if (e instanceof ViolationEvent v) {
                events.violation(this, v);
            }
        };
        this.launch = ds.policy.launch(id.substring(id.lastIndexOf('/') + 1), sink);
        java.util.Map<String, List<String>> secrets = ds.policy.redactions();
        this.sessionId = session.spec().id();
        if (tty != null) {
            // The slave is the command's stdin, stdout and stderr (three descriptors of it, each
            // closed once); the master is read as one stdout stream and written by the stdin pump.
            Pty pty = Pty.open(tty[0], tty[1]);
            stdin = new int[] {Libc.dupCloexec(pty.slave(), 3), stdinOpen ? Libc.dupCloexec(pty.master(), 3) : -1};
            stdout = new int[] {pty.master(), pty.slave()};
            stderr = new int[] {-1, Libc.dupCloexec(pty.slave(), 3)};
            ttyControl = Libc.dupCloexec(pty.master(), 3);
        } else {
            stdin = Libc.pipe();
            stdout = Libc.pipe();
            stderr = Libc.pipe();
            widen(stdout);
            widen(stderr);
            if (!stdinOpen) {
                Libc.closeQuietly(stdin[1]);
                stdin[1] = -1;
            }
            ttyControl = -1;
        }
        Exec exec = new Exec(argv, env, cwd, launch.extensions(), EventSink.NONE,
                new int[] {stdin[0], stdout[1], stderr[1]}, false);
        // The read ends belong to the reader threads from here on; each closes its own.
        readers.add(reader("stdout", stdout[0], session, secrets));
        if (tty == null) {
            readers.add(reader("stderr", stderr[0], session, secrets));
        }
        stdinPump = stdinOpen ? new StdinPump(id, stdin[1]) : null;
        runner = Thread.ofVirtual().name("exec-" + id).unstarted(() -> run(session, exec));
    }

    /** Starts the readers and the command. */
    void start() {
        for (Thread t : readers) {
            t.start();
        }
        runner.start();
    }

    private void run(SandboxSession session, Exec exec) {
        Outcome o;
        try {
            o = session.run(exec, handle);
        } catch (SandboxException | RuntimeException e) {
            failure = e.getMessage();
            o = new Outcome(125, 0, "failed", String.valueOf(e.getMessage()));
        } finally {
            // bwrap holds its own copies; ours must go so the readers see end of file.
            Libc.closeQuietly(stdin[0]);
            Libc.closeQuietly(stdout[1]);
            Libc.closeQuietly(stderr[1]);
            if (launch.netDir() != null) {
                dev.palisade.sandbox.RuntimeDirs.deleteTree(launch.netDir());
            }
        }
        for (Thread t : readers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            Libc.closeQuietly(ttyControl);
            ttyClosed = true;
        }
        closeStdin();
        limitViolation(o);
        ended = o;
        exitEvent = "{\"event\":\"exit\",\"session\":" + Json.str(sessionId) + ",\"process\":" + Json.str(id)
                + ",\"status\":" + o.status() + ",\"signal\":" + o.signal() + ",\"reason\":" + Json.str(o.reason())
                + ",\"message\":" + Json.str(o.message()) + "}";
        events.exited(this, exitEvent);
    }

    /**
     * A command stopped by a limit (the limits extension names it in the outcome's reason), or killed
     * by SIGSYS (a seccomp profile's kill action), is reported as a violation before its exit.
     */
    private void limitViolation(Outcome o) {
        String target = argv.getFirst();
        ViolationEvent v = switch (o.reason()) {
            case "timeout", "memory", "pids", "output" ->
                    new ViolationEvent(java.time.Instant.now(), sessionId, "limits", o.reason(), target, o.message());
            default -> o.signal() == SIGSYS
                    ? new ViolationEvent(java.time.Instant.now(), sessionId, "seccomp", "kill", target,
                            "killed by SIGSYS: a system call the seccomp profile kills on")
                    : null;
        };
        if (v != null) {
            events.violation(this, v);
        }
    }

    /** signal(7) on x86-64 and arm64. */
    private static final int SIGSYS = 31;

    /** Makes the outcome visible; called by the session's events under their lock, just before the exit is sent. */
    void finish() {
        outcome = ended;
    }

    /** The exit event, once the process has ended. */
    String exitEvent() {
        return exitEvent;
    }

    /**
     * Output pipe capacity, and the read size of a stream that fills its buffer: larger reads mean
     * fewer, larger events for a fast writer. Only the pipe's slots are reserved up front; its
     * pages are allocated as data arrives.
     */
    static final int PIPE_SIZE = 1 << 20;

    private static void widen(int[] pipe) {
        try {
            Libc.setPipeSize(pipe[1], PIPE_SIZE);
        } catch (NativeException e) {
            // Above pipe-max-size or out of pipe-user-pages: the default 64 KiB works, only slower.
            LOG.log(System.Logger.Level.DEBUG, "pipe stays at its default size: " + e.getMessage());
        }
    }

    private Thread reader(String stream, int fd, SandboxSession session,
            java.util.Map<String, List<String>> secrets) {
        OutputChain rewriter = new OutputChain(new PathRewriter(session.translator()), new SecretRedactor(secrets));
        // A platform thread: a read(2) on a pipe blocks in native code and pins a virtual thread to
        // its carrier without compensation. Two such readers pinned both carriers of a 2-core machine,
        // so the virtual thread that would start the command (and end the reads) never ran.
        return Thread.ofPlatform().daemon(true).name(stream + "-" + id).unstarted(() -> {
            long seq = 0;
            long offset = 0;
            // read(2) straight into one native buffer, one copy out per chunk. Small until a read
            // fills it: most commands print little, and a daemon runs hundreds.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(65536);
                long n;
                while ((n = Libc.read(fd, buf)) > 0) {
                    byte[] out = rewriter.apply(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                    if (n == buf.byteSize() && buf.byteSize() < PIPE_SIZE) {
                        buf = arena.allocate(PIPE_SIZE);
                    }
                    if (out.length > 0) {
                        publish(stream, seq++, offset, out);
                        offset += out.length;
                    }
                }
            } catch (NativeException e) {
                // A pty master reads EIO once the last slave descriptor is closed: its end of file.
                if (!(ttyControl >= 0 && e.errno() == dev.palisade.sys.Errno.EIO)) {
                    LOG.log(System.Logger.Level.WARNING, "reading " + stream + " of " + id + ": " + e.getMessage());
                }
            } finally {
                Libc.closeQuietly(fd);
            }
            byte[] rest = rewriter.flush();
            if (rest.length > 0) {
                publish(stream, seq, offset, rest);
            }
        });
    }

    private void publish(String stream, long seq, long offset, byte[] data) {
        // Built as bytes once for all subscribers: the frames are ASCII (JSON with base64 data), and
        // the hot path of a 500 MB/s stream cannot afford a String and its UTF-8 copy per chunk.
        byte[] head = ("{\"event\":\"output\",\"session\":" + Json.str(sessionId) + ",\"process\":" + Json.str(id)
                + ",\"stream\":\"" + stream + "\",\"seq\":" + seq + ",\"offset\":" + offset + ",\"data\":\"")
                .getBytes(StandardCharsets.UTF_8);
        byte[] b64 = Base64.getEncoder().encode(data);
        byte[] line = new byte[head.length + b64.length + 3];
        System.arraycopy(head, 0, line, 0, head.length);
        System.arraycopy(b64, 0, line, head.length, b64.length);
        line[line.length - 3] = '"';
        line[line.length - 2] = '}';
        line[line.length - 1] = '\n';
        events.output(this, stream, line, data.length);
    }

    String id() {
        return id;
    }

    List<String> argv() {
        return argv;
    }

    /** N of the id SESSION/pN: the order processes were started in. */
    int number() {
        return Integer.parseInt(id.substring(id.lastIndexOf("/p") + 2));
    }

    /** The connections that get this process's events; changed under the session events' lock. */
    List<Outbox> subscribers() {
        return subscribers;
    }

    /**
     * Sets the terminal size of a tty process (TIOCSWINSZ on the master) and sends SIGWINCH to its
     * process group: the command has no controlling terminal (bwrap's {@code --new-session}), so the
     * kernel would signal no one.
     */
    synchronized void resize(int rows, int cols) throws ProtocolException {
        if (ttyControl < 0) {
            throw new ProtocolException("not-a-tty", id + " was not started with a tty");
        }
        if (ttyClosed) {
            return; // ended: nothing to resize
        }
        try {
            Pty.setSize(ttyControl, rows, cols);
        } catch (NativeException e) {
            throw new ProtocolException("resize-failed", e.getMessage());
        }
        handle.signal(28); // SIGWINCH, signal(7)
    }

    /** Queues input for the command (see {@link StdinPump}); never blocks. */
    void writeStdin(byte[] data) throws ProtocolException {
        if (stdinPump == null) {
            throw new ProtocolException("stdin-closed", "the standard input of " + id + " is not a pipe");
        }
        stdinPump.offer(data);
    }

    void closeStdin() {
        if (stdinPump != null) {
            stdinPump.close();
        }
    }

    /** The outcome, or null while it runs. */
    Outcome outcome() {
        return outcome;
    }

    String failure() {
        return failure;
    }

    Outcome await() throws InterruptedException {
        runner.join();
        return outcome;
    }

    /** Waits at most {@code max}; the outcome, or null if it still runs. */
    Outcome await(java.time.Duration max) throws InterruptedException {
        runner.join(max);
        return outcome;
    }

    /**
     * Signals the command through the launcher's handle: its process group, as learned from
     * bwrap's {@code --info-fd}; with {@code all}, SIGKILL to bwrap, which ends the whole sandbox.
     *
     * @return how many were signalled: 0 before the command runs or after it ended
     */
    int signal(int sig, boolean all) {
        return (all ? handle.kill() : handle.signal(sig)) ? 1 : 0;
    }
}
