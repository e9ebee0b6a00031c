package dev.palisade.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Prerequisites;

/** A second uid cannot use the daemon through the SDK, even with the socket's file modes opened. */
@Tag("root")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SdkForeignUidTest {
    @TempDir
    Path tmp;

    @Test
    void anotherUidIsRefusedWithPeerUid() throws Exception {
        Prerequisites.require(dev.palisade.sys.Libc.geteuid() == 0, "root, to connect as another uid");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux)");
        try (TestDaemon daemon = new TestDaemon(tmp)) {
            // The foreign JVM cannot read this build's folders: copy what it needs where it can.
            Path cp = Files.createDirectory(tmp.resolve("cp"));
            List<String> entries = new ArrayList<>();
            for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path src = Path.of(e);
                if (Files.isDirectory(src) || src.getFileName().toString().startsWith("jackson")) {
                    Path dst = cp.resolve(entries.size() + "-" + src.getFileName());
                    copy(src, dst);
                    entries.add(dst.toString());
                }
            }
            Files.setPosixFilePermissions(daemon.socket().getParent(), PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(daemon.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
            // Only the test's own folders below a top-level directory: never /tmp or / themselves.
            for (Path p = daemon.socket().getParent().getParent(); p.getNameCount() > 1; p = p.getParent()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
            }
            try (var walk = Files.walk(cp)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
            // The modes are opened on purpose so that only SO_PEERCRED stands between uid 65534 and the API.
            Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:off",
                    "--enable-native-access=ALL-UNNAMED", "-cp", String.join(":", entries),
                    ForeignClient.class.getName(), daemon.socket().toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).startsWith("refused " + PalisadeException.PEER_UID).doesNotContain("connected");
            // The daemon still serves its own uid.
            try (Palisade own = Palisade.connect(daemon.socket())) {
                assertThat(own.sessions()).isEmpty();
            }
        }
    }

    private static void copy(Path src, Path dst) throws java.io.IOException {
        if (!Files.isDirectory(src)) {
            Files.copy(src, dst, StandardCopyOption.COPY_ATTRIBUTES);
            return;
        }
        try (var walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
