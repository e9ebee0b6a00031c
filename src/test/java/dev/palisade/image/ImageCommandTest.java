package dev.palisade.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.palisade.testing.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(120)
class ImageCommandTest {
    @TempDir
    Path dir;

    @Test
    void buildsABundleFileAndInstallsIt() throws Exception {
        Prerequisites.require(Files.isRegularFile(Path.of("/bin/busybox")), "/bin/busybox (busybox-static)");
        Path file = dir.resolve("base.bundle");
        CommandLine cl = new CommandLine(new ImageCommand());
        assertThat(cl.execute("build", "--shim-only", "--name", "base", "--version", "2", "--out", file.toString())).isZero();
        assertThat(file).isRegularFile();
        assertThat(cl.execute("install", "--store", dir.resolve("store").toString(), file.toString())).isZero();
        assertThat(dir.resolve("store/base-2/vmlinuz")).isRegularFile();
        assertThat(dir.resolve("store/base-2/initramfs")).isRegularFile();
    }

    @Test
    void installOfAMissingBundleFailsWith125() {
        CommandLine cl = new CommandLine(new ImageCommand());
        assertThat(cl.execute("install", "--store", dir.resolve("store").toString(), dir.resolve("nope").toString()))
                .isEqualTo(125);
        assertThat(dir.resolve("store/nope")).doesNotExist();
    }
}
