package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.palisade.image.InstalledImage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Freezes a real TCG guest with QMP {@code stop} and checks the supervisor restarts it within the
 * heartbeat budget. Two boots (the original and the restart) are inherent to this test.
 */
@Tag("vm")
@Timeout(400)
class VmSupervisorTest {
    private static final List<String> PATH = List.of("PATH=/bin:/sbin");

    @TempDir
    Path dir;

    @Test
    void frozenGuestIsRestartedAndNewExecsWork() throws Exception {
        Path qemu = TestImages.requireQemu();
        // The busybox shim: this test is about the supervisor, and the shim boots faster.
        InstalledImage image = TestImages.shim(dir, "sup");
        VmSupervisor.Booter booter = attempt -> Vm.boot(new VmConfig(qemu, Accelerator.TCG, image.kernel(),
                image.initramfs(), dir.resolve("run-" + attempt), 256, Duration.ofSeconds(150)));
        List<VmSupervisor.Restart> events = new CopyOnWriteArrayList<>();
        try (VmSupervisor sup = new VmSupervisor(booter, Duration.ofSeconds(3), 3, events::add)) {
            sup.start();
            assertThat(sup.exec(List.of("true"), PATH, "/", Duration.ofSeconds(60)).status()).isZero();
            Thread.sleep(7000);
            assertThat(sup.restarts()).as("no restart while the guest answers").isZero();

            Vm frozen = sup.vm();
            frozen.pause();
            long t0 = System.nanoTime();
            while (sup.restarts() == 0) {
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(300));
                Thread.sleep(200);
            }
            assertThat(events).hasSize(1);
            assertThat(events.get(0).cause()).contains("heartbeat missed 3 time(s)");
            assertThat(sup.lastCause()).isEqualTo(events.get(0).cause());
            assertThat(frozen.isAlive()).as("the frozen VM's QEMU").isFalse();
            assertThat(sup.vm()).isNotSameAs(frozen);
            ExecResult r = sup.exec(List.of("uname", "-r"), PATH, "/", Duration.ofSeconds(60));
            assertThat(r.stdoutText().strip()).isEqualTo(image.manifest().kernelRelease());
        }
    }
}
