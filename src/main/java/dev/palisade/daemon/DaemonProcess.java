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
import dev.palisade.sandbox.Exec;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.SandboxException;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sys.Libc;
import dev.palisade.sys.NativeException;

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
    private volatile String failure;
    private final Thread runner;
    private final List<Thread> readers = new ArrayList<>();

    private final SessionPolicy.Launch launch;
    private final dev.palisade.sandbox.CommandHandle handle = new dev.palisade.sandbox.CommandHandle();
    private final StdinPump stdinPump;

    DaemonProcess(String id, DaemonSession ds, List<String> argv, java.util.Map<String, String> env,
            String cwd, boolean stdinOpen, Outbox first) throws IOException {
        this.id = id;
        SandboxSession session = ds.sandbox;
        this.launch = ds.policy.launch(id.substring(id.lastIndexOf('/') + 1), EventSink.NONE);
        java.util.Map<String, List<String>> secrets = ds.policy.redactions();
        this.sessionId = session.spec().id();
        if (first != null) {
            subscribers.add(first);
        }
        stdin = Libc.pipe();
        stdout = Libc.pipe();
        stderr = Libc.pipe();
        widen(stdout);
        widen(stderr);
        if (!stdinOpen) {
            Libc.closeQuietly(stdin[1]);
            stdin[1] = -1;
        }
        Exec exec = new Exec(argv, env, cwd, launch.extensions(), EventSink.NONE,
                new int[] {stdin[0], stdout[1], stderr[1]}, false);
        // The read ends belong to the reader threads from here on; each closes its own.
        readers.add(reader("stdout", stdout[0], session, secrets));
        readers.add(reader("stderr", stderr[0], session, secrets));
        stdinPump = stdinOpen ? new StdinPump(id, stdin[1]) : null;
        runner = Thread.ofVirtual().name("exec-" + id).start(() -> run(session, exec));
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
        closeStdin();
        outcome = o;
        String ev = "{\"event\":\"exit\",\"session\":" + Json.str(sessionId) + ",\"process\":" + Json.str(id)
                + ",\"status\":" + o.status() + ",\"signal\":" + o.signal() + ",\"reason\":" + Json.str(o.reason())
                + ",\"message\":" + Json.str(o.message()) + "}";
        for (Outbox s : subscribers) {
            s.put(ev);
        }
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
        return Thread.ofPlatform().daemon(true).name(stream + "-" + id).start(() -> {
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
                LOG.log(System.Logger.Level.WARNING, "reading " + stream + " of " + id + ": " + e.getMessage());
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
        if (subscribers.isEmpty()) {
            return;
        }
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
        for (Outbox s : subscribers) {
            s.offer(id, stream, line, data.length);
        }
    }

    String id() {
        return id;
    }

    void subscribe(Outbox o) {
        subscribers.add(o);
    }

    void unsubscribe(Outbox o) {
        subscribers.remove(o);
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
