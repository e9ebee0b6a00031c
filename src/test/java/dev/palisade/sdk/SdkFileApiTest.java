package dev.palisade.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.SandboxPrerequisites;

/** The file API through the SDK against a real daemon: bytes round-trip, refusals carry their code. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SdkFileApiTest {
    @TempDir
    Path tmp;
    TestDaemon daemon;
    Palisade palisade;
    Session session;
    Path rw;
    Path ro;
    String mnt;

    @BeforeEach
    void start() throws Exception {
        SandboxPrerequisites.requireBwrap();
        rw = Files.createDirectory(tmp.resolve("work")).toRealPath();
        ro = Files.createDirectory(tmp.resolve("docs")).toRealPath();
        Files.writeString(ro.resolve("readme.txt"), "read me\n");
        daemon = new TestDaemon(tmp.resolve("d"));
        palisade = Palisade.connect(daemon.socket());
        session = palisade.createSession(SessionOptions.of(rw + ":rw", ro + ":ro").withId("files"));
        mnt = "/sessions/files/mnt/work";
    }

    @AfterEach
    void stop() {
        if (palisade != null) {
            session.close();
            palisade.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void bytesRoundTripExactlyAcrossChunksBothWays() throws Exception {
        byte[] big = new byte[RemoteSession.CHUNK * 2 + 12345];
        new Random(42).nextBytes(big);
        session.write(mnt + "/big.bin", big);
        assertThat(Files.readAllBytes(rw.resolve("big.bin"))).isEqualTo(big);
        assertThat(session.read(rw.resolve("big.bin").toString())).isEqualTo(big);
        try (InputStream in = session.open(mnt + "/big.bin")) {
            assertThat(in.readAllBytes()).isEqualTo(big);
        }
        byte[] other = new byte[RemoteSession.CHUNK * 3]; // an exact multiple: the last chunk is full
        new Random(7).nextBytes(other);
        session.write(mnt + "/big.bin", new ByteArrayInputStream(other));
        assertThat(Files.readAllBytes(rw.resolve("big.bin"))).isEqualTo(other);
        session.write(mnt + "/empty.txt", new ByteArrayInputStream(new byte[0]));
        assertThat(rw.resolve("empty.txt")).isEmptyFile();
        assertThat(session.read(mnt + "/empty.txt")).isEmpty();
    }

    @Test
    void statListMkdirMoveDeleteWork() throws Exception {
        session.mkdir(mnt + "/a/b", true);
        session.write(mnt + "/a/b/n.txt", "hi\n".getBytes(StandardCharsets.UTF_8));
        FileInfo st = session.stat(mnt + "/a/b/n.txt");
        assertThat(st.type()).isEqualTo(FileType.FILE);
        assertThat(st.size()).isEqualTo(3);
        assertThat(st.host()).isEqualTo(rw.resolve("a/b/n.txt").toString());
        assertThat(st.path()).isEqualTo(mnt + "/a/b/n.txt");
        assertThat(session.list(mnt + "/a")).extracting(FileInfo::name, FileInfo::type)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("b", FileType.DIR));
        session.move(mnt + "/a/b/n.txt", mnt + "/m.txt");
        assertThat(rw.resolve("m.txt")).hasContent("hi");
        assertThat(session.list(mnt)).extracting(FileInfo::path).containsExactly(mnt + "/a", mnt + "/m.txt");
        session.delete(mnt + "/a", true);
        assertThat(rw.resolve("a")).doesNotExist();
        assertThat(session.read("/sessions/files/mnt/docs/readme.txt")).asString(StandardCharsets.UTF_8).isEqualTo("read me\n");
    }

    @Test
    void refusalsCarryTheirCode() throws Exception {
        Files.createSymbolicLink(rw.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(rw.resolve("dangling"), Path.of("/etc/nonexistent-palisade"));
        Path outside = Files.writeString(tmp.resolve("outside.txt"), "secret");
        Files.createLink(rw.resolve("hard.txt"), outside);
        byte[] x = {'x'};
        code("path-traversal", () -> session.read(mnt + "/../docs/readme.txt"));
        code("path-outside", () -> session.read("/etc/passwd"));
        code("symlink", () -> session.read(mnt + "/etc/passwd"));
        code("symlink", () -> session.write(mnt + "/dangling", x));
        code("hardlink", () -> session.read(mnt + "/hard.txt"));
        code("blocked-file-type", () -> session.write(mnt + "/tool.exe", x));
        code("read-only", () -> session.write("/sessions/files/mnt/docs/new.txt", x));
        code("not-found", () -> session.stat(mnt + "/nope"));
        Session gone = palisade.createSession(SessionOptions.of(rw + ":rw"));
        gone.destroy();
        code("no-such-session", () -> gone.read(mnt + "/m.txt"));
    }

    @Test
    void aSessionPolicyAppliesToTheFileApi() throws Exception {
        Files.writeString(rw.resolve("private.txt"), "mine");
        String policy = "{\"filesystem\": {\"denyRead\": [\"" + rw.resolve("private.txt") + "\"]}}";
        try (Session guarded = palisade.createSession(SessionOptions.of(rw + ":rw").withPolicy(policy))) {
            String root = guarded.info().folders().getFirst().sandbox();
            code("deny-read", () -> guarded.read(root + "/private.txt"));
            assertThat(guarded.list(root)).extracting(FileInfo::name).doesNotContain("private.txt");
        }
        code("bad-policy", () -> palisade.createSession(SessionOptions.of().withPolicy("{\"nonsense\": 1}")));
    }

    private static void code(String expected, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(PalisadeException.class,
                e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(expected));
    }
}
