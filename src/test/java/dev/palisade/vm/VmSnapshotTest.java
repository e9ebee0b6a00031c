package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.palisade.image.ImageBuilder;
import dev.palisade.image.ImageInstaller;
import dev.palisade.image.InstalledImage;
import dev.palisade.testing.Prerequisites;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One cold boot to make a snapshot after the agent's hello, then two sessions restored from it, each
 * receiving its own identity. Times are printed for docs/benchmarks.md.
 */
@Tag("vm")
@Timeout(400)
class VmSnapshotTest {
    private static final List<String> PATH = List.of("PATH=/bin:/sbin");
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void sessionsRestoredFromOneSnapshotRunCommandsWithTheirOwnIdentity() throws Exception {
        Path qemu = Prerequisites.requireExecutable("qemu-system-x86_64");
        Prerequisites.require(Files.isRegularFile(Path.of("/bin/busybox")), "/bin/busybox (busybox-static)");
        ImageBuilder.build(ImageBuilder.hostInputs(), "snap", "1", dir.resolve("bundle"));
        InstalledImage image = ImageInstaller.install(dir.resolve("bundle"), dir.resolve("store"));
        Path snapshot = dir.resolve("ready.snapshot");

        Vm template = Vm.boot(config(qemu, image, "template"));
        long cold = template.bootNanos();
        template.saveSnapshot(snapshot, Duration.ofSeconds(120));
        assertThat(template.isAlive()).isFalse();
        assertThat(snapshot).isRegularFile();
        assertThat(dir.resolve("ready.snapshot.tmp")).doesNotExist();

        for (String session : List.of("zealous-ramanujan", "brave-noether")) {
            long t0 = System.nanoTime();
            try (Vm vm = Vm.restore(config(qemu, image, session), snapshot, session)) {
                ExecResult r = vm.exec(List.of("sh", "-c", "uname -r; hostname"), PATH, "/", T);
                long firstExec = System.nanoTime() - t0;
                assertThat(r.status()).isZero();
                assertThat(r.stdoutText()).isEqualTo(image.manifest().kernelRelease() + "\n" + session + "\n");
                // The clock came from INIT: within a minute of the host's.
                ExecResult date = vm.exec(List.of("date", "+%s"), PATH, "/", T);
                long guest = Long.parseLong(date.stdoutText().strip());
                assertThat(Math.abs(guest - System.currentTimeMillis() / 1000)).isLessThan(60);
                System.out.printf("BENCH accel=TCG cold-boot-to-hello=%d ms restore-to-first-exec=%d ms "
                        + "snapshot=%d bytes%n", cold / 1_000_000, firstExec / 1_000_000, Files.size(snapshot));
            }
        }
    }

    private VmConfig config(Path qemu, InstalledImage image, String name) {
        return new VmConfig(qemu, Accelerator.TCG, image.kernel(), image.initramfs(), dir.resolve("run-" + name), 256,
                Duration.ofSeconds(150));
    }
}
