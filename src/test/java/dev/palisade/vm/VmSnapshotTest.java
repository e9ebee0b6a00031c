package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.palisade.image.InstalledImage;
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
    void sessionsRestoredFromOneSnapshotGetTheirOwnIdentityAndFolders() throws Exception {
        Path qemu = TestImages.requireQemu();
        // The Java agent: its JVM start is what the snapshot exists to skip.
        InstalledImage image = TestImages.agent(dir, "snap");
        Path snapshot = dir.resolve("ready.snapshot");

        Vm template = Vm.boot(config(qemu, image, "template"));
        long cold = template.bootNanos();
        template.saveSnapshot(snapshot, Duration.ofSeconds(120));
        assertThat(template.isAlive()).isFalse();
        assertThat(snapshot).isRegularFile();
        assertThat(dir.resolve("ready.snapshot.tmp")).doesNotExist();

        for (String session : List.of("zealous-ramanujan", "brave-noether")) {
            long t0 = System.nanoTime();
            try (Vm vm = Vm.restore(config(qemu, image, session).withFolders(folders(session)), snapshot, session)) {
                ExecResult r = vm.exec(List.of("sh", "-c", "uname -r; hostname"), PATH, "/", T);
                long firstExec = System.nanoTime() - t0;
                assertThat(r.status()).isZero();
                assertThat(r.stdoutText()).isEqualTo(image.manifest().kernelRelease() + "\n" + session + "\n");
                // The clock came from INIT: within a minute of the host's.
                ExecResult date = vm.exec(List.of("date", "+%s"), PATH, "/", T);
                long guest = Long.parseLong(date.stdoutText().strip());
                assertThat(Math.abs(guest - System.currentTimeMillis() / 1000)).isLessThan(60);
                checkFolders(vm, session);
                System.out.printf("BENCH accel=TCG cold-boot-to-hello=%d ms restore-to-first-exec=%d ms "
                        + "snapshot=%d bytes%n", cold / 1_000_000, firstExec / 1_000_000, Files.size(snapshot));
            }
        }
    }

    private List<SharedFolder> folders(String session) throws java.io.IOException {
        Path docs = Files.createDirectories(dir.resolve(session + "-docs"));
        Files.writeString(docs.resolve("hello.txt"), "from the host " + session + "\n");
        Path work = Files.createDirectories(dir.resolve(session + "-work"));
        return List.of(new SharedFolder(docs, "Docs", true), new SharedFolder(work, "Work", false));
    }

    private void checkFolders(Vm vm, String session) throws Exception {
        vm.mountFolders(session, T);
        String docs = "/sessions/" + session + "/mnt/Docs";
        String work = "/sessions/" + session + "/mnt/Work";
        ExecResult read = vm.exec(List.of("cat", docs + "/hello.txt"), PATH, "/", T);
        assertThat(read.stdoutText()).isEqualTo("from the host " + session + "\n");

        // Read-only twice over: the command's bind is read-only, and its seccomp filter denies the
        // remount or fresh mount that could undo that (QEMU's readonly=on fsdev is the third layer).
        ExecResult roWrite = vm.exec(List.of("sh", "-c", "echo x > " + docs + "/planted.txt"), PATH, "/", T);
        assertThat(roWrite.status()).isNotZero();
        assertThat(roWrite.stderrText()).containsIgnoringCase("read-only");
        ExecResult remount = vm.exec(List.of("sh", "-c", "mount -o remount,rw " + docs + " || umount " + docs
                + " || mount -t 9p -o trans=virtio,version=9p2000.L palisade0 /tmp; echo x > " + docs
                + "/planted.txt"), PATH, "/", T);
        assertThat(remount.status()).isNotZero();
        assertThat(dir.resolve(session + "-docs/planted.txt")).doesNotExist();

        ExecResult rwWrite = vm.exec(List.of("sh", "-c", "echo result > " + work + "/out.txt && touch " + work
                + "/tool && chmod 4755 " + work + "/tool"), PATH, "/", T);
        assertThat(rwWrite.status()).as(rwWrite.stderrText()).isZero();
        assertThat(Files.readString(dir.resolve(session + "-work/out.txt"))).isEqualTo("result\n");
        // The guest's set-uid bit lives in an xattr, never on the host file.
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
                Files.getPosixFilePermissions(dir.resolve(session + "-work/tool"));
        assertThat(perms).doesNotContain(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
        assertThat((Integer) Files.getAttribute(dir.resolve(session + "-work/tool"), "unix:mode") & 04000).isZero();
    }

    private VmConfig config(Path qemu, InstalledImage image, String name) {
        return new VmConfig(qemu, Accelerator.TCG, image.kernel(), image.initramfs(), dir.resolve("run-" + name), 512,
                Duration.ofSeconds(150));
    }
}
