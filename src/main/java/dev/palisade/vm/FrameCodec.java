package dev.palisade.vm;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The one encoder and decoder of the channel's frames. Wire format, all integers big-endian:
 *
 * <pre>
 * frame   = length:u32  type:u8  stream:u32  payload
 * length  = 5 + len(payload), at most {@link #MAX_FRAME_LENGTH}
 * stream  = 0 for control frames (hello, init, heartbeat), 1..2^31-1 for commands and tunnels
 * string  = len:u32 UTF-8 bytes (strict)      strings = count:u32 string*      rest = the remaining bytes
 *
 * HELLO       version:u16 agent:string
 * INIT        sessionId:string epochMillis:u64 uid:u32 gid:u32 entropy:rest   (uid, gid below 2^31)
 * EXEC        tty:u8 cwd:string argv:strings env:strings
 * STDIN       eof:u8 data:rest
 * OUTPUT      channel:u8 (1 stdout, 2 stderr) offset:u64 data:rest
 * EXIT        code:u8 signal:u8
 * SIGNAL      signal:u8
 * HEARTBEAT   sequence:u64 reply:u8
 * PROXY_OPEN  kind:u8 (1 HTTP, 2 SOCKS5)
 * PROXY_DATA  data:rest
 * PROXY_CLOSE (empty)
 * CREDIT      bytes:u32
 * ERROR       message:string
 * MOUNT       readOnly:u8 tag:string target:string
 * ATTACH      stdout:u64 stderr:u64
 * ATTACHED    stdout:u64 stderr:u64 stdin:u64
 * PUT_FILE    path:string data:rest
 * </pre>
 *
 * <p>Flow control: every data byte (the payload of OUTPUT, STDIN, PROXY_DATA) counts against the
 * receiver's window for that stream and direction, {@link Frame#INITIAL_WINDOW} at first; CREDIT
 * extends it. A sender waits for credit; a receiver refuses a frame that overruns its window.
 *
 * The encoding is canonical: a frame that decodes re-encodes to the same bytes. The decoder checks
 * the length against the limit before allocating, reads a frame whole or not at all, and reports
 * every violation as a {@link FrameException} that names it.
 */
public final class FrameCodec {
    /** The largest allowed value of the length field: 1 MiB. */
    public static final int MAX_FRAME_LENGTH = 1 << 20;
    /** Bytes of the header after the length field: type and stream. */
    static final int HEADER_AFTER_LENGTH = 5;
    /** The most payload a frame can carry. */
    public static final int MAX_PAYLOAD = MAX_FRAME_LENGTH - HEADER_AFTER_LENGTH;

    private FrameCodec() {
    }

    /**
     * Encodes a frame with its length prefix.
     *
     * @param frame the frame
     * @return the bytes to write
     * @throws IllegalArgumentException if the frame exceeds the size limit
     */
    public static byte[] encode(Frame frame) {
        PayloadWriter w = new PayloadWriter();
        FrameType type = switch (frame) {
            case Frame.Hello h -> {
                w.u16(h.version()).string(h.agent());
                yield FrameType.HELLO;
            }
            case Frame.Init i -> {
                w.string(i.sessionId()).u64(i.epochMillis()).u32(i.uid()).u32(i.gid()).bytes(i.entropy());
                yield FrameType.INIT;
            }
            case Frame.Exec e -> {
                w.bool(e.tty()).string(e.cwd()).strings(e.argv()).strings(e.env());
                yield FrameType.EXEC;
            }
            case Frame.Stdin s -> {
                w.bool(s.eof()).bytes(s.data());
                yield FrameType.STDIN;
            }
            case Frame.Output o -> {
                w.u8(o.channel().ordinal() + 1).u64(o.offset()).bytes(o.data());
                yield FrameType.OUTPUT;
            }
            case Frame.Exit x -> {
                w.u8(x.code()).u8(x.signal());
                yield FrameType.EXIT;
            }
            case Frame.Signal s -> {
                w.u8(s.signal());
                yield FrameType.SIGNAL;
            }
            case Frame.Heartbeat h -> {
                w.u64(h.sequence()).bool(h.reply());
                yield FrameType.HEARTBEAT;
            }
            case Frame.ProxyOpen p -> {
                w.u8(p.kind().ordinal() + 1);
                yield FrameType.PROXY_OPEN;
            }
            case Frame.ProxyData p -> {
                w.bytes(p.data());
                yield FrameType.PROXY_DATA;
            }
            case Frame.ProxyClose p -> FrameType.PROXY_CLOSE;
            case Frame.Credit c -> {
                w.u32(c.bytes());
                yield FrameType.CREDIT;
            }
            case Frame.Error e -> {
                w.string(e.message());
                yield FrameType.ERROR;
            }
            case Frame.Mount m -> {
                w.bool(m.readOnly()).string(m.tag()).string(m.target());
                yield FrameType.MOUNT;
            }
            case Frame.Attach a -> {
                w.u64(a.stdout()).u64(a.stderr());
                yield FrameType.ATTACH;
            }
            case Frame.Attached a -> {
                w.u64(a.stdout()).u64(a.stderr()).u64(a.stdin());
                yield FrameType.ATTACHED;
            }
            case Frame.PutFile f -> {
                w.string(f.path()).bytes(f.data());
                yield FrameType.PUT_FILE;
            }
        };
        byte[] payload = w.toByteArray();
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException(type + " frame payload of " + payload.length
                    + " bytes exceeds the limit of " + MAX_PAYLOAD);
        }
        return ByteBuffer.allocate(4 + HEADER_AFTER_LENGTH + payload.length)
                .putInt(HEADER_AFTER_LENGTH + payload.length)
                .put((byte) type.code)
                .putInt(frame.stream())
                .put(payload)
                .array();
    }

    /**
     * Reads one whole frame.
     *
     * @param in the stream, positioned at a frame boundary
     * @return the frame
     * @throws EOFException if the stream ended cleanly at a frame boundary
     * @throws FrameException if the frame is malformed or the stream ended inside it
     * @throws IOException if reading fails
     */
    public static Frame read(InputStream in) throws IOException {
        byte[] prefix = in.readNBytes(4);
        if (prefix.length == 0) {
            throw new EOFException("channel closed");
        }
        if (prefix.length < 4) {
            throw new FrameException("truncated frame: stream ended after " + prefix.length
                    + " of 4 length bytes");
        }
        long length = Integer.toUnsignedLong(ByteBuffer.wrap(prefix).getInt());
        if (length > MAX_FRAME_LENGTH) {
            throw new FrameException("frame length " + length + " exceeds the limit of " + MAX_FRAME_LENGTH);
        }
        if (length < HEADER_AFTER_LENGTH) {
            throw new FrameException("frame length " + length + " is shorter than the "
                    + HEADER_AFTER_LENGTH + "-byte header");
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new FrameException("truncated frame: header announced " + length
                    + " bytes, stream ended after " + body.length);
        }
        return decodeBody(body);
    }

    /**
     * Decodes one frame from a byte array that must hold exactly one frame with its length prefix.
     *
     * @param bytes the frame
     * @return the frame
     * @throws FrameException if the bytes are not exactly one valid frame
     */
    public static Frame decode(byte[] bytes) throws FrameException {
        if (bytes.length < 4) {
            throw new FrameException("truncated frame: " + bytes.length + " of 4 length bytes");
        }
        long length = Integer.toUnsignedLong(ByteBuffer.wrap(bytes).getInt());
        if (length > MAX_FRAME_LENGTH || length < HEADER_AFTER_LENGTH) {
            throw new FrameException("frame length " + length + " outside " + HEADER_AFTER_LENGTH + ".."
                    + MAX_FRAME_LENGTH);
        }
        if (bytes.length - 4 != length) {
            throw new FrameException("frame length " + length + " does not match the " + (bytes.length - 4)
                    + " bytes given");
        }
        return decodeBody(java.util.Arrays.copyOfRange(bytes, 4, bytes.length));
    }

    private static Frame decodeBody(byte[] body) throws FrameException {
        ByteBuffer header = ByteBuffer.wrap(body, 0, HEADER_AFTER_LENGTH);
        int code = header.get() & 0xff;
        FrameType type = FrameType.of(code);
        if (type == null) {
            throw new FrameException("unknown frame type " + code);
        }
        int stream = header.getInt();
        if (stream < 0) {
            throw new FrameException(type + " frame: stream id " + Integer.toUnsignedString(stream)
                    + " out of range");
        }
        switch (type.scope) {
            case CONTROL -> {
                if (stream != 0) {
                    throw new FrameException(type + " frame must be on stream 0, was on " + stream);
                }
            }
            case STREAM -> {
                if (stream == 0) {
                    throw new FrameException(type + " frame on the control stream 0");
                }
            }
            case ANY -> {
                // Errors may concern the channel (0) or one stream.
            }
        }
        byte[] payload = java.util.Arrays.copyOfRange(body, HEADER_AFTER_LENGTH, body.length);
        PayloadReader r = new PayloadReader(type, payload);
        try {
            Frame f = decodePayload(type, stream, r);
            r.end();
            return f;
        } catch (IllegalArgumentException e) {
            // A record's own validation (argv empty, code and signal both set, ...).
            throw new FrameException(type + " frame invalid: " + e.getMessage());
        }
    }

    private static Frame decodePayload(FrameType type, int stream, PayloadReader r) throws FrameException {
        return switch (type) {
            case HELLO -> new Frame.Hello(r.u16("version"), r.string("agent"));
            case INIT -> {
                String id = r.string("session id");
                long clock = r.u63("clock");
                int uid = r.u31("uid");
                yield new Frame.Init(id, clock, uid, r.u31("gid"), r.rest());
            }
            case EXEC -> {
                boolean tty = r.bool("tty");
                String cwd = r.string("cwd");
                yield new Frame.Exec(stream, r.strings("argv"), r.strings("env"), cwd, tty);
            }
            case STDIN -> {
                boolean eof = r.bool("eof");
                yield new Frame.Stdin(stream, r.rest(), eof);
            }
            case OUTPUT -> new Frame.Output(stream, outputChannel(r.u8("channel")), r.u63("offset"), r.rest());
            case EXIT -> new Frame.Exit(stream, r.u8("code"), r.u8("signal"));
            case SIGNAL -> new Frame.Signal(stream, r.u8("signal"));
            case HEARTBEAT -> new Frame.Heartbeat(r.u63("sequence"), r.bool("reply"));
            case PROXY_OPEN -> new Frame.ProxyOpen(stream, proxyKind(r.u8("kind")));
            case PROXY_DATA -> new Frame.ProxyData(stream, r.rest());
            case PROXY_CLOSE -> new Frame.ProxyClose(stream);
            case CREDIT -> new Frame.Credit(stream, r.u31("bytes"));
            case ERROR -> new Frame.Error(stream, r.string("message"));
            case MOUNT -> {
                boolean ro = r.bool("readOnly");
                String tag = r.string("tag");
                yield new Frame.Mount(stream, tag, r.string("target"), ro);
            }
            case ATTACH -> new Frame.Attach(stream, r.u63("stdout"), r.u63("stderr"));
            case ATTACHED -> new Frame.Attached(stream, r.u63("stdout"), r.u63("stderr"), r.u63("stdin"));
            case PUT_FILE -> new Frame.PutFile(stream, r.string("path"), r.rest());
        };
    }

    private static Frame.OutputChannel outputChannel(int code) throws FrameException {
        return switch (code) {
            case 1 -> Frame.OutputChannel.STDOUT;
            case 2 -> Frame.OutputChannel.STDERR;
            default -> throw new FrameException("OUTPUT frame: unknown channel " + code);
        };
    }

    private static Frame.ProxyKind proxyKind(int code) throws FrameException {
        return switch (code) {
            case 1 -> Frame.ProxyKind.HTTP;
            case 2 -> Frame.ProxyKind.SOCKS5;
            default -> throw new FrameException("PROXY_OPEN frame: unknown proxy kind " + code);
        };
    }
}
