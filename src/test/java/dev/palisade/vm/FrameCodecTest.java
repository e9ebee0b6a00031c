package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class FrameCodecTest {

    static List<Frame> oneOfEach() {
        return List.of(
                new Frame.Hello(1, "palisade-shim/0.1"),
                new Frame.Init("zealous-ramanujan", 1_790_000_000_000L, 1001, 1002, new byte[] {1, 2, 3, 4}),
                new Frame.Exec(7, List.of("uname", "-r"), List.of("PATH=/bin", "LANG=C.UTF-8"), "/", false),
                new Frame.Exec(8, List.of("sh", "-c", "echo ü €"), List.of(), "/sessions/x", true),
                new Frame.Stdin(7, "hello\n".getBytes(StandardCharsets.UTF_8), true),
                new Frame.Stdin(7, new byte[0], false),
                new Frame.Output(7, Frame.OutputChannel.STDOUT, 0, "6.1.0\n".getBytes(StandardCharsets.UTF_8)),
                new Frame.Output(7, Frame.OutputChannel.STDERR, 1L << 40, new byte[] {0, -1, 127}),
                new Frame.Exit(7, 3, 0),
                new Frame.Exit(7, 0, 9),
                new Frame.Signal(7, 15),
                new Frame.Heartbeat(42, false),
                new Frame.Heartbeat(42, true),
                new Frame.ProxyOpen(0x7fffffff, Frame.ProxyKind.SOCKS5),
                new Frame.ProxyOpen(3, Frame.ProxyKind.HTTP),
                new Frame.ProxyData(3, new byte[] {5, 1, 0}),
                new Frame.ProxyClose(3),
                new Frame.Credit(7, 65536),
                new Frame.Error(0, "unsupported version"),
                new Frame.Error(9, "sh: not found"),
                new Frame.Mount(11, "palisade0", "/sessions/zealous-ramanujan/mnt/Docs", true),
                new Frame.Mount(13, "palisade3", "/sessions/x/mnt/My Work ü", false),
                new Frame.Attach(7, 123_456, 0),
                new Frame.Attached(7, 123_456, 1L << 33, 42),
                new Frame.PutFile(15, "/etc/palisade/ca.pem", "-----BEGIN".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void mountTargetsAreOnlySessionFolders() {
        for (String bad : List.of("/", "/etc", "/sessions/x/mnt", "/sessions/x/mnt/..", "/sessions/x/mnt/.",
                "/sessions/x/mnt/a/b", "/sessions/../mnt/a", "sessions/x/mnt/a", "/sessions/X/mnt/a")) {
            assertThatThrownBy(() -> new Frame.Mount(1, "palisade0", bad, true)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new Frame.Mount(1, "a,b", "/sessions/x/mnt/a", true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void putFilePathsArePlainAbsoluteFilesOutsideReservedFolders() {
        for (String bad : List.of("", "/", "etc/x", "/etc/", "/etc//x", "/etc/../x", "/etc/./x", "/proc/self/x",
                "/dev/x", "/sessions/s/mnt/A/x")) {
            assertThatThrownBy(() -> new Frame.PutFile(1, bad, new byte[0])).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(new Frame.PutFile(1, "/tmp/palisade/ca bundle.pem", new byte[0]).path()).endsWith(".pem");
    }

    @Test
    void attachOffsetsAreChecked() {
        assertThatThrownBy(() -> new Frame.Attach(1, -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Frame.Attach(0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        // On the wire a u64 above 2^63-1 is refused by the decoder with the field's name.
        byte[] bytes = FrameCodec.encode(new Frame.Attach(3, 0, 0));
        bytes[9] = (byte) 0x80;
        assertThatThrownBy(() -> FrameCodec.decode(bytes)).isInstanceOf(FrameException.class).hasMessageContaining("stdout");
    }

    @Test
    void initCarriesTheHostUsersIdsAndRefusesOnesAbove2To31() throws IOException {
        Frame.Init back = (Frame.Init) FrameCodec.decode(FrameCodec.encode(
                new Frame.Init("s", 5, 1001, 1002, new byte[] {9})));
        assertThat(back.uid()).isEqualTo(1001);
        assertThat(back.gid()).isEqualTo(1002);
        assertThat(back.entropy()).containsExactly(9);
        assertThatThrownBy(() -> new Frame.Init("s", 5, -1, 0, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Frame.Init("s", 5, 0, -1, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        // (uid_t) -1 on the wire, the "no change" value of setresuid(2): refused with the field's name.
        PayloadWriter w = new PayloadWriter().string("s").u64(5).u32(0).u32(-1);
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.INIT.code, 0, w.toByteArray())))
                .hasMessage("INIT frame: gid out of range: 4294967295");
    }

    @Test
    void everyFrameTypeRoundTripsToTheSameBytes() throws IOException {
        for (Frame f : oneOfEach()) {
            byte[] bytes = FrameCodec.encode(f);
            Frame back = FrameCodec.decode(bytes);
            assertThat(back.getClass()).isEqualTo(f.getClass());
            assertThat(back.stream()).isEqualTo(f.stream());
            assertThat(FrameCodec.encode(back)).as(f.toString()).isEqualTo(bytes);
        }
    }

    @Test
    void recordsWithoutArraysDecodeEqual() throws IOException {
        Frame exec = new Frame.Exec(7, List.of("uname", "-r"), List.of("A=b"), "/tmp", false);
        assertThat(FrameCodec.decode(FrameCodec.encode(exec))).isEqualTo(exec);
        Frame exit = new Frame.Exit(5, 0, 9);
        assertThat(FrameCodec.decode(FrameCodec.encode(exit))).isEqualTo(exit);
        assertThat(((Frame.Exit) exit).status()).isEqualTo(137);
    }

    @Test
    void readsBackToBackFramesFromAStreamThenCleanEof() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame f : oneOfEach()) {
            out.writeBytes(FrameCodec.encode(f));
        }
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        for (Frame f : oneOfEach()) {
            assertThat(FrameCodec.encode(FrameCodec.read(in))).isEqualTo(FrameCodec.encode(f));
        }
        assertThatThrownBy(() -> FrameCodec.read(in)).isExactlyInstanceOf(EOFException.class);
    }

    @Test
    void refusesALengthAboveTheLimitWithoutReadingTheBody() {
        byte[] header = ByteBuffer.allocate(9).putInt(FrameCodec.MAX_FRAME_LENGTH + 1).put((byte) 10).putInt(1).array();
        // The stream would end long before 1 MiB: the limit must be checked first.
        assertThatThrownBy(() -> FrameCodec.read(new ByteArrayInputStream(header)))
                .isInstanceOf(FrameException.class)
                .hasMessageContaining("exceeds the limit");
        byte[] huge = ByteBuffer.allocate(4).putInt(-1).array();
        assertThatThrownBy(() -> FrameCodec.read(new ByteArrayInputStream(huge)))
                .hasMessageContaining("4294967295 exceeds the limit");
    }

    @Test
    void refusesAnEncodingAboveTheLimit() {
        Frame big = new Frame.ProxyData(1, new byte[FrameCodec.MAX_PAYLOAD + 1]);
        assertThatThrownBy(() -> FrameCodec.encode(big)).hasMessageContaining("exceeds the limit");
        assertThat(FrameCodec.encode(new Frame.ProxyData(1, new byte[FrameCodec.MAX_PAYLOAD])))
                .hasSize(4 + FrameCodec.MAX_FRAME_LENGTH);
    }

    @Test
    void refusesTruncationInHeaderAndBody() {
        byte[] ok = FrameCodec.encode(new Frame.Exit(3, 1, 0));
        assertThatThrownBy(() -> FrameCodec.read(new ByteArrayInputStream(Arrays.copyOf(ok, 2))))
                .isInstanceOf(FrameException.class).hasMessageContaining("2 of 4 length bytes");
        assertThatThrownBy(() -> FrameCodec.read(new ByteArrayInputStream(Arrays.copyOf(ok, ok.length - 1))))
                .isInstanceOf(FrameException.class).hasMessageContaining("announced 7 bytes, stream ended after 6");
    }

    @Test
    void refusesAShortLengthField() {
        assertThatThrownBy(() -> FrameCodec.decode(new byte[] {0, 0, 0, 4, 1, 0, 0, 0}))
                .isInstanceOf(FrameException.class).hasMessageContaining("outside 5..");
    }

    @Test
    void refusesUnknownTypes() {
        assertThatThrownBy(() -> FrameCodec.decode(frame(0, 1)))
                .isInstanceOf(FrameException.class).hasMessage("unknown frame type 0");
        assertThatThrownBy(() -> FrameCodec.decode(frame(200, 1)))
                .isInstanceOf(FrameException.class).hasMessage("unknown frame type 200");
    }

    @Test
    void refusesStreamRulesBroken() {
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.HEARTBEAT.code, 3, new byte[9])))
                .hasMessage("HEARTBEAT frame must be on stream 0, was on 3");
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.PROXY_CLOSE.code, 0)))
                .hasMessage("PROXY_CLOSE frame on the control stream 0");
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.PROXY_CLOSE.code, -5)))
                .hasMessageContaining("stream id 4294967291 out of range");
    }

    @Test
    void refusesTrailingBytes() {
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.EXIT.code, 3, 0, 0, 0)))
                .isInstanceOf(FrameException.class).hasMessage("EXIT frame has 1 trailing bytes");
    }

    @Test
    void refusesShortPayloadNamingTheField() {
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.EXIT.code, 3, 0)))
                .hasMessage("EXIT frame too short for signal: needs 1 more bytes, 0 left");
    }

    @Test
    void refusesInvalidUtf8() {
        byte[] payload = {0, 1, 0, 0, 0, 2, (byte) 0xc3, (byte) 0x28};
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.HELLO.code, 0, payload)))
                .hasMessage("HELLO frame: agent is not valid UTF-8");
    }

    @Test
    void refusesNonCanonicalBooleans() {
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.STDIN.code, 3, 2)))
                .hasMessage("STDIN frame: eof must be 0 or 1, was 2");
    }

    @Test
    void refusesAnAbsurdArgvCountBeforeAllocating() {
        PayloadWriter w = new PayloadWriter().bool(false).string("/").u32(Integer.MAX_VALUE);
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.EXEC.code, 3, w.toByteArray())))
                .hasMessage("EXEC frame: argv count 2147483647 exceeds the payload");
    }

    @Test
    void refusesSemanticallyInvalidMessagesWithTheReason() {
        PayloadWriter emptyArgv = new PayloadWriter().bool(false).string("/").strings(List.of()).strings(List.of());
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.EXEC.code, 3, emptyArgv.toByteArray())))
                .hasMessage("EXEC frame invalid: exec argv is empty");
        PayloadWriter relative = new PayloadWriter().bool(false).string("tmp").strings(List.of("ls")).strings(List.of());
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.EXEC.code, 3, relative.toByteArray())))
                .hasMessageContaining("not an absolute path");
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.EXIT.code, 3, 1, 9)))
                .hasMessage("EXIT frame invalid: exit has both a code and a signal");
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.OUTPUT.code, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0)))
                .hasMessage("OUTPUT frame: unknown channel 3");
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.CREDIT.code, 3, 0, 0, 0, 0)))
                .hasMessage("CREDIT frame invalid: credit must be positive: 0");
        assertThatThrownBy(() -> FrameCodec.decode(frame(FrameType.HELLO.code, 0, 0, 0, 0, 0, 0, 0)))
                .hasMessage("HELLO frame invalid: hello version out of range: 0");
    }

    @Test
    void refusesEnvironmentWithoutName() {
        assertThatThrownBy(() -> new Frame.Exec(1, List.of("ls"), List.of("=x"), "/", false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Frame.Exec(1, List.of("l\0s"), List.of(), "/", false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] frame(int type, int stream, int... payload) {
        byte[] p = new byte[payload.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) payload[i];
        }
        return frame(type, stream, p);
    }

    private static byte[] frame(int type, int stream, byte[] payload) {
        return ByteBuffer.allocate(9 + payload.length).putInt(5 + payload.length).put((byte) type).putInt(stream)
                .put(payload).array();
    }
}
