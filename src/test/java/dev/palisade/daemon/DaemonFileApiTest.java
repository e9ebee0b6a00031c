package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.SandboxPrerequisites;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The file API over the daemon's real socket on real files: every escape is refused with its own
 * error and leaves the files outside untouched; the legitimate operations round-trip bytes exactly.
 */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DaemonFileApiTest {
    @TempDir
    Path tmp;
    Path proj;
    Path ro;
    Path outside;
    Daemon daemon;
    Thread serving;
    TestClient c;
    String session;
    final AtomicInteger ids = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        SandboxPrerequisites.requireBwrap();
        proj = Files.createDirectories(tmp.resolve("proj")).toRealPath();
        ro = Files.createDirectories(tmp.resolve("ro")).toRealPath();
        outside = Files.createDirectories(tmp.resolve("outside")).toRealPath();
        Files.writeString(outside.resolve("secret"), "top secret\n");
        Files.writeString(ro.resolve("readme"), "read me\n");
        daemon = Daemon.bind(tmp.resolve("run/api.sock"), tmp.resolve("state"));
        serving = Thread.ofVirtual().start(() -> {
            try {
                daemon.serve();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        c = new TestClient(daemon.socket());
        ObjectNode create = req("session.create");
        create.putArray("folders").add(proj + ":rw").add(ro + ":ro");
        JsonNode r = call(create);
        assertThat(r.get("ok").asBoolean()).as(r.toString()).isTrue();
        session = r.get("result").get("session").asString();
    }

    @AfterEach
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
        if (daemon != null) {
            daemon.close();
            assertThat(serving.join(java.time.Duration.ofSeconds(10))).isTrue();
        }
    }

    private ObjectNode req(String op) {
        ObjectNode n = RequestDecoder.JSON.createObjectNode();
        n.put("id", "r" + ids.incrementAndGet()).put("op", op);
        if (session != null) {
            n.put("session", session);
        }
        return n;
    }

    private JsonNode call(ObjectNode request) throws Exception {
        c.send(RequestDecoder.JSON.writeValueAsString(request));
        return c.reply(request.get("id").asString());
    }

    private String sandbox(String rel) {
        return "/sessions/" + session + "/mnt/" + rel;
    }

    private JsonNode op(String op, String field, String path) throws Exception {
        return call(req(op).put(field, path));
    }

    private JsonNode write(String path, byte[] data, boolean append) throws Exception {
        return call(req("file.write").put("path", path).put("data", Base64.getEncoder().encodeToString(data))
                .put("append", append));
    }

    private static void assertError(JsonNode reply, String code) {
        assertThat(reply.get("ok").asBoolean()).as(reply.toString()).isFalse();
        assertThat(reply.get("error").asString()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.get("message").asString()).isNotBlank();
    }

    private static JsonNode assertOk(JsonNode reply) {
        assertThat(reply.get("ok").asBoolean()).as(reply.toString()).isTrue();
        return reply.get("result");
    }

    @Test
    void refusesDotDotTraversal() throws Exception {
        assertError(op("file.read", "path", sandbox("proj/../../../../../etc/passwd")), "path-traversal");
        assertError(op("file.read", "path", sandbox("proj/../ro/readme")), "path-traversal");
        assertError(op("file.read", "path", proj + "/../outside/secret"), "path-traversal");
        assertError(write(proj + "/../outside/secret", new byte[] {1}, false), "path-traversal");
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("top secret\n");
        // The connection stays usable after refusals.
        assertOk(op("file.stat", "path", sandbox("proj")));
    }

    @Test
    void refusesAbsoluteEscapes() throws Exception {
        assertError(op("file.read", "path", "/etc/passwd"), "path-outside");
        assertError(op("file.read", "path", outside.resolve("secret").toString()), "path-outside");
        assertError(op("file.stat", "path", "/sessions/" + session + "/mnt/NoSuchFolder/x"), "path-outside");
        assertError(op("file.read", "path", "/sessions/" + session + "/mnt/proj/../../.."), "path-traversal");
        assertError(op("file.read", "path", "relative/path"), "path-outside");
    }

    @Test
    void refusesSymlinkInAMiddleComponent() throws Exception {
        Files.createSymbolicLink(proj.resolve("link"), outside);
        assertError(op("file.read", "path", sandbox("proj/link/secret")), "symlink");
        assertError(op("file.list", "path", sandbox("proj/link")), "symlink");
        assertError(write(sandbox("proj/link/planted"), "x".getBytes(StandardCharsets.UTF_8), false), "symlink");
        assertError(call(req("file.mkdir").put("path", proj + "/link/sub")), "symlink");
        assertError(call(req("file.delete").put("path", sandbox("proj/link/secret"))), "symlink");
        assertThat(outside.resolve("planted")).doesNotExist();
        assertThat(outside.resolve("sub")).doesNotExist();
        assertThat(outside.resolve("secret")).hasContent("top secret");
    }

    @Test
    void symlinkSwappedInDuringWritesNeverLeadsOutside() throws Exception {
        Path d = proj.resolve("d");
        Path asDir = Files.createDirectories(proj.resolve("d.dir"));
        Path asLink = Files.createSymbolicLink(proj.resolve("d.link"), outside);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<java.io.IOException> flipFailure =
                new java.util.concurrent.atomic.AtomicReference<>();
        // proj/d is, in turn and as fast as renames go: a real directory, absent, a symlink to the
        // outside folder, absent.
        Thread flipper = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    Files.move(asDir, d, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.move(d, asDir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.move(asLink, d, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.move(d, asLink, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (java.io.IOException e) {
                flipFailure.set(e);
            }
        });
        int written = 0;
        int refused = 0;
        try {
            for (int i = 0; i < 400; i++) {
                JsonNode r = write(sandbox("proj/d/f" + i), "x".getBytes(StandardCharsets.UTF_8), false);
                if (r.get("ok").asBoolean()) {
                    written++;
                } else {
                    refused++;
                    assertThat(r.get("error").asString()).isIn("symlink", "not-found", "not-a-directory");
                }
            }
        } finally {
            stop.set(true);
            flipper.join();
        }
        try (var s = Files.list(outside)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("secret");
        }
        assertThat(written + refused).isEqualTo(400);
        assertThat(refused).as("the race was exercised").isPositive();
        assertThat(flipFailure.get()).as("the flipper kept flipping").isNull();
    }

    @Test
    void refusesDanglingFinalSymlinkToEtc() throws Exception {
        Path target = Path.of("/etc/palisade-file-api-test-" + ProcessHandle.current().pid());
        Files.createSymbolicLink(proj.resolve("dangling"), target);
        assertError(write(sandbox("proj/dangling"), "pwned".getBytes(StandardCharsets.UTF_8), false), "symlink");
        assertError(op("file.read", "path", sandbox("proj/dangling")), "symlink");
        assertError(call(req("file.mkdir").put("path", sandbox("proj/dangling"))), "exists");
        assertError(call(req("file.move").put("from", sandbox("proj/dangling")).put("to", sandbox("proj/moved"))),
                "symlink");
        assertThat(target).doesNotExist();
        // stat reports the link itself, without following it.
        assertThat(assertOk(op("file.stat", "path", sandbox("proj/dangling"))).get("type").asString()).isEqualTo("symlink");
    }

    @Test
    void refusesHardlinkToAFileOutside() throws Exception {
        Files.createLink(proj.resolve("hl"), outside.resolve("secret"));
        assertError(op("file.read", "path", sandbox("proj/hl")), "hardlink");
        assertError(write(sandbox("proj/hl"), "overwritten".getBytes(StandardCharsets.UTF_8), false), "hardlink");
        assertError(write(sandbox("proj/hl"), "appended".getBytes(StandardCharsets.UTF_8), true), "hardlink");
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("top secret\n");
    }

    @Test
    void refusesBlockedFileTypes() throws Exception {
        assertError(write(sandbox("proj/setup.exe"), new byte[] {'M', 'Z'}, false), "blocked-file-type");
        assertError(write(proj + "/SETUP.EXE. ", new byte[] {'M', 'Z'}, false), "blocked-file-type");
        assertOk(write(sandbox("proj/setup.txt"), new byte[] {'M', 'Z'}, false));
        assertError(call(req("file.move").put("from", sandbox("proj/setup.txt")).put("to", sandbox("proj/setup.exe"))),
                "blocked-file-type");
        assertThat(proj.resolve("setup.exe")).doesNotExist();
        assertThat(proj.resolve("setup.txt")).exists();
    }

    @Test
    void refusesWritesToAReadOnlyFolder() throws Exception {
        assertError(write(sandbox("ro/new"), new byte[] {1}, false), "read-only");
        assertError(write(ro + "/readme", new byte[] {1}, false), "read-only");
        assertError(call(req("file.mkdir").put("path", sandbox("ro/d"))), "read-only");
        assertError(call(req("file.delete").put("path", sandbox("ro/readme"))), "read-only");
        assertError(call(req("file.move").put("from", sandbox("ro/readme")).put("to", sandbox("proj/readme"))),
                "read-only");
        assertThat(ro.resolve("readme")).hasContent("read me");
        assertThat(ro.resolve("new")).doesNotExist();
        // Reading it is fine.
        JsonNode r = assertOk(op("file.read", "path", sandbox("ro/readme")));
        assertThat(Base64.getDecoder().decode(r.get("data").asString())).isEqualTo("read me\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void refusesWritingIntoGitProtectedPaths() throws Exception {
        Files.createDirectories(proj.resolve(".git/hooks"));
        Files.writeString(proj.resolve(".git/config"), "[core]\n");
        assertError(write(sandbox("proj/.git/hooks/pre-commit"), "#!/bin/sh\ncurl evil\n".getBytes(StandardCharsets.UTF_8),
                false), "protected-path");
        assertError(write(sandbox("proj/.git/config"), "[core]\nfsmonitor=evil\n".getBytes(StandardCharsets.UTF_8), true),
                "protected-path");
        assertError(call(req("file.delete").put("path", sandbox("proj/.git")).put("recursive", true)), "protected-path");
        assertError(call(req("file.move").put("from", sandbox("proj/.git")).put("to", sandbox("proj/g"))), "protected-path");
        assertError(write(sandbox("proj/.bashrc"), "evil\n".getBytes(StandardCharsets.UTF_8), false), "protected-path");
        assertThat(proj.resolve(".git/hooks/pre-commit")).doesNotExist();
        assertThat(proj.resolve(".git/config")).hasContent("[core]");
        // Ordinary files in the repository stay writable.
        assertOk(write(sandbox("proj/.git/HEAD"), "ref: refs/heads/main\n".getBytes(StandardCharsets.UTF_8), false));
    }

    @Test
    void binaryFileLargerThanOneMibRoundTripsInChunks() throws Exception {
        byte[] data = new byte[1_500_000];
        new Random(42).nextBytes(data);
        for (int i = 0; i < 256; i++) {
            data[i] = (byte) i; // every byte value
        }
        String path = sandbox("proj/blob.bin");
        for (int off = 0; off < data.length; off += FileOps.MAX_CHUNK) {
            byte[] part = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + FileOps.MAX_CHUNK));
            assertThat(assertOk(write(path, part, off > 0)).get("size").asLong()).isEqualTo(off + part.length);
        }
        assertThat(Files.readAllBytes(proj.resolve("blob.bin"))).isEqualTo(data);
        java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
        int reads = 0;
        while (true) {
            JsonNode r = assertOk(call(req("file.read").put("path", proj + "/blob.bin").put("offset", back.size())));
            back.write(Base64.getDecoder().decode(r.get("data").asString()));
            assertThat(r.get("size").asLong()).isEqualTo(data.length);
            reads++;
            if (r.get("eof").asBoolean()) {
                break;
            }
        }
        assertThat(reads).isEqualTo(3);
        JsonNode past = assertOk(call(req("file.read").put("path", path).put("offset", 10_000_000)));
        assertThat(past.get("data").asString()).isEmpty();
        assertThat(past.get("eof").asBoolean()).isTrue();
        assertThat(past.get("size").asLong()).isEqualTo(data.length);
        JsonNode middle = assertOk(call(req("file.read").put("path", path).put("offset", 1000).put("length", 10)));
        assertThat(Base64.getDecoder().decode(middle.get("data").asString()))
                .isEqualTo(java.util.Arrays.copyOfRange(data, 1000, 1010));
        assertThat(middle.get("eof").asBoolean()).isFalse();
        assertThat(back.toByteArray()).isEqualTo(data);
        // Truncating write replaces the content.
        assertOk(write(path, new byte[] {0, (byte) 0xff}, false));
        assertThat(Files.readAllBytes(proj.resolve("blob.bin"))).containsExactly(0, 0xff);
    }

    @Test
    void mkdirMoveDeleteListAndStatWork() throws Exception {
        assertError(call(req("file.mkdir").put("path", sandbox("proj/a/b/c"))), "not-found");
        assertOk(call(req("file.mkdir").put("path", sandbox("proj/a/b/c")).put("parents", true)));
        assertError(call(req("file.mkdir").put("path", sandbox("proj/a/b"))), "exists");
        assertOk(write(sandbox("proj/a/b/c/f.txt"), "hello".getBytes(StandardCharsets.UTF_8), false));
        assertOk(write(proj + "/a/z", new byte[0], false));
        JsonNode list = assertOk(op("file.list", "path", sandbox("proj/a")));
        assertThat(list.get("host").asString()).isEqualTo(proj + "/a");
        assertThat(list.get("entries")).hasSize(2);
        assertThat(list.get("entries").get(0).get("name").asString()).isEqualTo("b");
        assertThat(list.get("entries").get(0).get("type").asString()).isEqualTo("dir");
        assertThat(list.get("entries").get(1).get("name").asString()).isEqualTo("z");
        assertThat(list.get("entries").get(1).get("size").asLong()).isZero();
        JsonNode st = assertOk(op("file.stat", "path", proj + "/a/b/c/f.txt"));
        assertThat(st.get("path").asString()).isEqualTo(sandbox("proj/a/b/c/f.txt"));
        assertThat(st.get("type").asString()).isEqualTo("file");
        assertThat(st.get("size").asLong()).isEqualTo(5);
        assertThat(st.get("mode").asString()).matches("0[0-7]{3}");
        assertThat(st.get("mtime").asLong()).isEqualTo(Files.getLastModifiedTime(proj.resolve("a/b/c/f.txt")).toMillis());
        assertError(op("file.list", "path", sandbox("proj/a/z")), "not-a-directory");
        assertError(op("file.read", "path", sandbox("proj/a")), "is-a-directory");
        assertOk(call(req("file.move").put("from", sandbox("proj/a/b/c/f.txt")).put("to", sandbox("proj/g.txt"))));
        assertError(call(req("file.move").put("from", sandbox("proj/a/z")).put("to", sandbox("proj/g.txt"))), "exists");
        assertThat(proj.resolve("g.txt")).hasContent("hello");
        assertError(call(req("file.delete").put("path", sandbox("proj/a"))), "not-empty");
        assertOk(call(req("file.delete").put("path", sandbox("proj/a")).put("recursive", true)));
        assertThat(proj.resolve("a")).doesNotExist();
        assertOk(call(req("file.delete").put("path", sandbox("proj/g.txt"))));
        assertError(op("file.stat", "path", sandbox("proj/g.txt")), "not-found");
        assertThat(assertOk(op("file.list", "path", sandbox("proj"))).get("entries")).isEmpty();
    }

    @Test
    void filesAreSharedWithCommandsInTheSession() throws Exception {
        assertOk(write(sandbox("proj/from-api.txt"), "written by the API\n".getBytes(StandardCharsets.UTF_8), false));
        assertThat(run("cat " + sandbox("proj/from-api.txt"))).isEqualTo("written by the API\n");
        run("printf 'written inside' > " + sandbox("proj/from-sandbox.txt"));
        JsonNode r = assertOk(op("file.read", "path", sandbox("proj/from-sandbox.txt")));
        assertThat(new String(Base64.getDecoder().decode(r.get("data").asString()), StandardCharsets.UTF_8))
                .isEqualTo("written inside");
    }

    @Test
    void sessionPolicyRulesApplyToTheFileApiAndInside() throws Exception {
        Files.createDirectories(proj.resolve("private"));
        Files.writeString(proj.resolve("private/key"), "k\n");
        Files.createDirectories(proj.resolve("locked"));
        Files.createDirectories(ro.resolve("out"));
        ObjectNode create = RequestDecoder.JSON.createObjectNode().put("id", "p1").put("op", "session.create");
        create.putArray("folders").add(proj + ":rw").add(ro + ":ro");
        create.set("policy", RequestDecoder.JSON.readTree("""
                {"filesystem": {"denyRead": ["private"], "denyWrite": ["locked"], "allowWrite": ["%s"]}}
                """.formatted(ro.resolve("out"))));
        JsonNode r = call(create);
        session = assertOk(r).get("session").asString();
        assertError(op("file.read", "path", sandbox("proj/private/key")), "deny-read");
        assertThat(assertOk(op("file.list", "path", sandbox("proj"))).findValuesAsString("name"))
                .contains("locked").doesNotContain("private");
        assertError(write(sandbox("proj/locked/f"), new byte[] {1}, false), "protected-path");
        assertOk(write(sandbox("ro/out/f"), "allowed".getBytes(StandardCharsets.UTF_8), false));
        assertError(write(sandbox("ro/elsewhere"), new byte[] {1}, false), "read-only");
        assertThat(ro.resolve("out/f")).hasContent("allowed");
        // The same rules hold for a command inside the session.
        assertThat(run("cat " + sandbox("proj/private/key") + " 2>/dev/null || echo hidden")).isEqualTo("hidden\n");
        assertThat(run("touch " + sandbox("proj/locked/g") + " 2>/dev/null || echo refused")).isEqualTo("refused\n");
        assertThat(run("echo in > " + sandbox("ro/out/g") + " && cat " + sandbox("ro/out/g"))).isEqualTo("in\n");
    }

    /** Runs a shell command in the session; returns its stdout (host paths rewritten). */
    private String run(String script) throws Exception {
        ObjectNode exec = req("exec");
        exec.putArray("argv").add("/bin/sh").add("-c").add(script);
        String p = assertOk(call(exec)).get("process").asString();
        StringBuilder out = new StringBuilder();
        while (true) {
            JsonNode ev = c.next();
            if (p.equals(ev.path("process").asString("")) && "output".equals(ev.path("event").asString(""))
                    && "stdout".equals(ev.get("stream").asString())) {
                out.append(new String(Base64.getDecoder().decode(ev.get("data").asString()), StandardCharsets.UTF_8));
            }
            if (p.equals(ev.path("process").asString("")) && "exit".equals(ev.path("event").asString(""))) {
                assertThat(ev.get("status").asInt()).as(out.toString()).isZero();
                return out.toString();
            }
        }
    }
}
