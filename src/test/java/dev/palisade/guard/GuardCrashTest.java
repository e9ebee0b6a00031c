package dev.palisade.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.palisade.testing.Prerequisites;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the file server (its own JVM, SIGKILL) while a sandboxed process writes: the writer gets
 * an error, later accesses fail with ENOTCONN (never the raw folder), and a file that was
 * fsync'ed holds its complete new content.
 */
@Tag("fuse")
@Tag("sandbox")
@Timeout(120)
class GuardCrashTest {
    @TempDir
    Path tmp;

    @Test
    void killingTheServerMidWriteFailsTheWriterAndKeepsSyncedFiles() throws Exception {
        FuseTestSupport.requireFuse();
        Path folder = Files.createDirectory(tmp.resolve("folder"));
        Files.writeString(folder.resolve("data.txt"), "old content");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process server = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), GuardServerMain.class.getName(), folder.toString(),
                tmp.resolve("history").toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path mountpoint = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("MOUNTED ")) {
                    mountpoint = Path.of(line.substring("MOUNTED ".length()));
                    break;
                }
            }
            assertThat(mountpoint).as("server mounted").isNotNull();
            Thread.ofVirtual().start(() -> drain(out));

            String script = """
                    python3 -u -c '
                    import os, errno
                    fd = os.open("data.txt", os.O_WRONLY | os.O_TRUNC)
                    os.write(fd, b"new content, complete")
                    os.fsync(fd)
                    os.close(fd)
                    print("SYNCED")
                    fd = os.open("big.bin", os.O_WRONLY | os.O_CREAT, 0o644)
                    try:
                        while True:
                            os.write(fd, b"x" * 65536)
                    except OSError as e:
                        print("WRITE-ERROR", errno.errorcode[e.errno])
                    try:
                        os.listdir(".")
                        print("LISTED")
                    except OSError as e:
                        print("LIST-ERROR", errno.errorcode[e.errno])
                    '
                    """;
            Process sandbox = TestSandbox.start(mountpoint, script);
            BufferedReader sout = new BufferedReader(new InputStreamReader(sandbox.getInputStream(),
                    StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            String first = sout.readLine();
            lines.add(first);
            assertThat(first).isEqualTo("SYNCED");
            Thread.sleep(300); // let the writer stream into big.bin
            server.destroyForcibly();
            assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
            for (String line = sout.readLine(); line != null; line = sout.readLine()) {
                lines.add(line);
            }
            assertThat(sandbox.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(lines).as("sandbox output").contains("SYNCED")
                    .anySatisfy(l -> assertThat(l).matches("WRITE-ERROR (ENOTCONN|ECONNABORTED)"))
                    .anySatisfy(l -> assertThat(l).matches("LIST-ERROR (ENOTCONN|ECONNABORTED)"));
            assertThat(Files.readString(folder.resolve("data.txt"))).isEqualTo("new content, complete");
            assertThat(Files.size(folder.resolve("big.bin")) % 65536).as("only whole writes reached the host")
                    .isZero();
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
            if (mountpoint != null) {
                unmountDead(mountpoint);
            }
        }
    }

    private static void drain(BufferedReader r) {
        try {
            while (r.readLine() != null) {
                // events are not checked here
            }
        } catch (IOException ignored) {
            // the server was killed
        }
    }

    /** A dead FUSE mount stays until unmounted; fusermount3 -u works for root and for its owner. */
    private static void unmountDead(Path mountpoint) throws IOException, InterruptedException {
        String tool = Prerequisites.which("fusermount3") != null ? "fusermount3" : "umount";
        Process p = new ProcessBuilder(tool, tool.equals("umount") ? "-l" : "-uz", mountpoint.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(10, TimeUnit.SECONDS);
        Files.deleteIfExists(mountpoint);
        Files.deleteIfExists(mountpoint.getParent());
    }
}
