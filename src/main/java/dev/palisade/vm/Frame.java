package dev.palisade.vm;

import java.util.List;
import java.util.Objects;

/**
 * One message on the host-guest channel. A closed set: both sides switch over it exhaustively, and
 * {@link FrameCodec} is the only encoder and decoder. Stream 0 is the control stream (hello, init,
 * heartbeat); every command and proxied connection gets its own stream id, chosen by the side that
 * opens it. Records holding {@code byte[]} take ownership of the array and do not copy it; compare
 * such frames by their encoding.
 */
public sealed interface Frame
        permits Frame.Hello, Frame.Init, Frame.Exec, Frame.Stdin, Frame.Output, Frame.Exit, Frame.Signal,
        Frame.Heartbeat, Frame.ProxyOpen, Frame.ProxyData, Frame.ProxyClose, Frame.Credit, Frame.Error, Frame.Mount, Frame.Attach,
        Frame.Attached, Frame.PutFile {

    /**
     * The current protocol version, sent in {@link Hello}. 2: credit windows enforced, MOUNT,
     * ATTACH/ATTACHED and PUT_FILE. 3: INIT carries the host user's uid and gid (an agent of
     * version 2 would read them as entropy and run commands as guest root). A host refuses an image whose agent speaks another version
     * (rebuild the image) rather than failing on its first unknown frame.
     */
    int PROTOCOL_VERSION = 3;

    /**
     * The credit each side starts with on every stream, per direction: how many data bytes
     * (OUTPUT, STDIN or PROXY_DATA payload) may be sent before the receiver's first {@link Credit}.
     * Both sides reset a command stream's windows to this on {@link Attach}/{@link Attached}.
     */
    int INITIAL_WINDOW = 256 * 1024;

    /** The stream the frame belongs to; 0 is the control stream. */
    int stream();

    /**
     * The first frame each side sends: the protocol version it speaks and who it is.
     *
     * @param version protocol version, 1..65535
     * @param agent the sender's name and version, e.g. "palisade-shim/0.1"
     */
    record Hello(int version, String agent) implements Frame {
        public Hello {
            check(version >= 1 && version <= 0xffff, "hello version out of range: " + version);
            Objects.requireNonNull(agent, "agent");
            check(agent.length() <= 256, "hello agent longer than 256 characters");
        }

        @Override
        public int stream() {
            return 0;
        }
    }

    /**
     * Host to guest after hello (and after a snapshot restore): the session's identity.
     *
     * @param sessionId the session id
     * @param epochMillis the host's wall clock, to set the guest's after a restore
     * @param uid the host user's effective uid: guest commands run as this uid, so the guest's
     *     permission checks on shared folders (owned by the host user, as QEMU runs as that user)
     *     match the host's
     * @param gid the host user's effective gid, likewise
     * @param entropy fresh random bytes to seed the guest's pool
     */
    record Init(String sessionId, long epochMillis, int uid, int gid, byte[] entropy) implements Frame {
        public Init {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(entropy, "entropy");
            check(!sessionId.isEmpty() && sessionId.length() <= 128, "init session id must be 1..128 characters");
            check(epochMillis >= 0, "init clock before 1970: " + epochMillis);
            check(uid >= 0 && gid >= 0, "init uid and gid must be 0..2^31-1: " + uid + ", " + gid);
        }

        @Override
        public int stream() {
            return 0;
        }
    }

    /**
     * Host to guest: start a command on a new stream.
     *
     * @param stream the new command's stream
     * @param argv the command and its arguments, not empty
     * @param env the environment as NAME=VALUE entries
     * @param cwd the absolute working directory
     * @param tty whether to give the command a terminal
     */
    record Exec(int stream, List<String> argv, List<String> env, String cwd, boolean tty) implements Frame {
        public Exec {
            checkStream(stream);
            argv = List.copyOf(argv);
            env = List.copyOf(env);
            Objects.requireNonNull(cwd, "cwd");
            check(!argv.isEmpty(), "exec argv is empty");
            for (String a : argv) {
                check(a.indexOf('\0') < 0, "exec argument contains NUL");
            }
            for (String e : env) {
                check(e.indexOf('\0') < 0, "exec environment entry contains NUL");
                check(e.indexOf('=') > 0, "exec environment entry is not NAME=VALUE: " + shorten(e));
            }
            check(cwd.startsWith("/") && cwd.indexOf('\0') < 0, "exec cwd is not an absolute path: " + shorten(cwd));
        }
    }

    /**
     * Host to guest: bytes for a command's standard input; {@code eof} closes it after the bytes.
     *
     * @param stream the command's stream
     * @param data the bytes (may be empty)
     * @param eof whether standard input ends after these bytes
     */
    record Stdin(int stream, byte[] data, boolean eof) implements Frame {
        public Stdin {
            checkStream(stream);
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * Guest to host: a chunk of a command's output. The offset is absolute from the start of that
     * output channel, so a host that re-attaches can tell replay from loss and never duplicates.
     *
     * @param stream the command's stream
     * @param channel stdout or stderr
     * @param offset the position of {@code data[0]} in the channel
     * @param data the bytes
     */
    record Output(int stream, OutputChannel channel, long offset, byte[] data) implements Frame {
        public Output {
            checkStream(stream);
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(data, "data");
            check(offset >= 0, "output offset negative: " + offset);
            check(offset <= Long.MAX_VALUE - data.length, "output offset overflows");
        }
    }

    /**
     * Guest to host: a command ended, either with an exit code or killed by a signal.
     *
     * @param stream the command's stream
     * @param code the exit code 0..255 (0 when killed by a signal)
     * @param signal the signal that killed it, or 0
     */
    record Exit(int stream, int code, int signal) implements Frame {
        public Exit {
            checkStream(stream);
            check(code >= 0 && code <= 255, "exit code out of range: " + code);
            check(signal >= 0 && signal <= 64, "exit signal out of range: " + signal);
            check(signal == 0 || code == 0, "exit has both a code and a signal");
        }

        /** The shell's convention: the code, or 128 + the signal. */
        public int status() {
            return signal == 0 ? code : 128 + signal;
        }
    }

    /**
     * Host to guest: deliver a signal to a command.
     *
     * @param stream the command's stream
     * @param signal the signal number, 1..64
     */
    record Signal(int stream, int signal) implements Frame {
        public Signal {
            checkStream(stream);
            check(signal >= 1 && signal <= 64, "signal out of range: " + signal);
        }
    }

    /**
     * Liveness: the host sends a beat, the guest answers with the same sequence and {@code reply}.
     *
     * @param sequence the beat's number
     * @param reply whether this answers a beat
     */
    record Heartbeat(long sequence, boolean reply) implements Frame {
        public Heartbeat {
            check(sequence >= 0, "heartbeat sequence negative");
        }

        @Override
        public int stream() {
            return 0;
        }
    }

    /**
     * Guest to host: a program in the guest connected to the agent's local proxy; open a tunnel to
     * the host's proxy of that kind.
     *
     * @param stream the new tunnel's stream
     * @param kind which host proxy
     */
    record ProxyOpen(int stream, ProxyKind kind) implements Frame {
        public ProxyOpen {
            checkStream(stream);
            Objects.requireNonNull(kind, "kind");
        }
    }

    /**
     * Bytes of a proxied connection, either direction.
     *
     * @param stream the tunnel's stream
     * @param data the bytes, not empty
     */
    record ProxyData(int stream, byte[] data) implements Frame {
        public ProxyData {
            checkStream(stream);
            Objects.requireNonNull(data, "data");
            check(data.length > 0, "proxy data is empty");
        }
    }

    /**
     * Half-close of a proxied connection, like TCP's FIN: the sender will send no more data on the
     * stream but still receives; the tunnel ends when both sides have sent one.
     *
     * @param stream the tunnel's stream
     */
    record ProxyClose(int stream) implements Frame {
        public ProxyClose {
            checkStream(stream);
        }
    }

    /**
     * Flow control: the receiver of a stream's data allows the sender this many more bytes.
     *
     * @param stream the stream
     * @param bytes the additional allowance, positive
     */
    record Credit(int stream, int bytes) implements Frame {
        public Credit {
            checkStream(stream);
            check(bytes > 0, "credit must be positive: " + bytes);
        }
    }

    /**
     * Something failed: on a stream (exec of a missing program) or on the channel (stream 0).
     *
     * @param stream the stream concerned, or 0
     * @param message what failed
     */
    record Error(int stream, String message) implements Frame {
        public Error {
            check(stream >= 0, "stream id negative: " + stream);
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * Host to guest: mount a 9p share for the session, in the agent itself (not as a command:
     * commands run under bwrap and seccomp, which deny mount(2)). The agent binds the folder into
     * every later command's sandbox with the same mode. Answered on the same stream with EXIT
     * (code 0) or ERROR.
     *
     * @param stream a new host stream for the answer
     * @param tag the virtio-9p mount tag
     * @param target the absolute guest path, {@code /sessions/<id>/mnt/<Name>}
     * @param readOnly whether the folder is read-only (QEMU also enforces it)
     */
    record Mount(int stream, String tag, String target, boolean readOnly) implements Frame {
        public Mount {
            checkStream(stream);
            Objects.requireNonNull(tag, "tag");
            Objects.requireNonNull(target, "target");
            check(tag.matches("[A-Za-z0-9_.-]{1,31}"), "mount tag is not a plain label: " + shorten(tag));
            check(target.matches("/sessions/[a-z0-9-]{1,64}/mnt/[^/\\x00]{1,255}") && !target.endsWith("/..")
                    && !target.endsWith("/."), "mount target is not /sessions/<id>/mnt/<Name>: " + shorten(target));
        }
    }

    /**
     * Host to guest: (re-)attach to a command after a reconnect: replay its output from these
     * offsets. Output the guest sent on this stream before its {@link Attached} answer is stale and
     * the host drops it.
     *
     * @param stream the command's stream
     * @param stdout the first stdout offset the host does not have
     * @param stderr the first stderr offset the host does not have
     */
    record Attach(int stream, long stdout, long stderr) implements Frame {
        public Attach {
            checkStream(stream);
            check(stdout >= 0 && stderr >= 0, "attach offset negative");
        }
    }

    /**
     * Guest to host: the answer to {@link Attach}; the replay follows. An offset greater than the
     * one asked for means the bytes between were expired from the guest's bounded buffer: an
     * explicit loss, never a silent one.
     *
     * @param stream the command's stream
     * @param stdout where the stdout replay starts (the first offset still held, if later than asked)
     * @param stderr where the stderr replay starts
     * @param stdin how many stdin bytes the guest has received, so the host resumes writing there
     */
    record Attached(int stream, long stdout, long stderr, long stdin) implements Frame {
        public Attached {
            checkStream(stream);
            check(stdout >= 0 && stderr >= 0 && stdin >= 0, "attached offset negative");
        }
    }

    /**
     * Host to guest: a small read-only file every later command must see at {@code path} (the
     * credential broker's CA certificate, say). The agent writes it at that path in the guest (mode
     * 0444) and binds it read-only into each sandbox; commands cannot write it. Answered with EXIT
     * (code 0) or ERROR.
     *
     * @param stream a new host stream for the answer
     * @param path the absolute path commands see it at; not under /proc, /dev or /sessions
     * @param data the contents
     */
    record PutFile(int stream, String path, byte[] data) implements Frame {
        public PutFile {
            checkStream(stream);
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(data, "data");
            check(path.startsWith("/") && path.length() > 1 && path.length() <= 4096 && path.indexOf('\0') < 0
                    && !path.endsWith("/"), "file path is not an absolute file path: " + shorten(path));
            for (String part : path.substring(1).split("/", -1)) {
                check(!part.isEmpty() && !part.equals(".") && !part.equals(".."),
                        "file path has an empty, '.' or '..' component: " + shorten(path));
            }
            for (String reserved : List.of("/proc/", "/dev/", "/sessions/")) {
                check(!path.startsWith(reserved), "file path is under " + reserved + ": " + shorten(path));
            }
        }
    }

    /** Which output of a command a chunk belongs to. */
    enum OutputChannel {
        STDOUT, STDERR
    }

    /** Which host proxy a tunnel leads to. */
    enum ProxyKind {
        HTTP, SOCKS5
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void checkStream(int stream) {
        check(stream > 0, "stream id must be positive, was " + stream);
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
