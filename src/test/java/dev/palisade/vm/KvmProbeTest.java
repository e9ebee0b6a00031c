package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvmProbeTest {
    @TempDir
    Path dir;

    @Test
    void withoutDevKvmChoosesTcgWithoutATestBoot() throws Exception {
        AtomicInteger boots = new AtomicInteger();
        KvmProbe.Verdict v = KvmProbe.decide(dir.resolve("kvm"), dir.resolve("cache"), "k", () -> {
            boots.incrementAndGet();
            return true;
        });
        assertThat(v.accelerator()).isEqualTo(Accelerator.TCG);
        assertThat(v.reason()).contains("no ").contains("TCG");
        assertThat(boots).hasValue(0);
        assertThat(dir.resolve("cache")).doesNotExist();
    }

    @Test
    void aHangingTestBootMeansTcgAndIsCached() throws Exception {
        Path kvm = Files.createFile(dir.resolve("kvm"));
        AtomicInteger boots = new AtomicInteger();
        KvmProbe.TestBoot hangs = () -> {
            boots.incrementAndGet();
            throw new IOException("no hello from the guest agent within PT20S\n--- console ---");
        };
        KvmProbe.Verdict first = KvmProbe.decide(kvm, dir.resolve("cache"), "6.1 img-1", hangs);
        assertThat(first.accelerator()).isEqualTo(Accelerator.TCG);
        assertThat(first.reason()).contains("no hello from the guest agent within PT20S").doesNotContain("console");
        assertThat(first.cached()).isFalse();
        KvmProbe.Verdict again = KvmProbe.decide(kvm, dir.resolve("cache"), "6.1 img-1", hangs);
        assertThat(again.accelerator()).isEqualTo(Accelerator.TCG);
        assertThat(again.cached()).isTrue();
        assertThat(boots).hasValue(1);
    }

    @Test
    void aWorkingTestBootMeansKvmAndANewKeyProbesAgain() throws Exception {
        Path kvm = Files.createFile(dir.resolve("kvm"));
        AtomicInteger boots = new AtomicInteger();
        KvmProbe.TestBoot ok = () -> {
            boots.incrementAndGet();
            return true;
        };
        assertThat(KvmProbe.decide(kvm, dir.resolve("cache"), "host-a img-1", ok).accelerator())
                .isEqualTo(Accelerator.KVM);
        assertThat(KvmProbe.decide(kvm, dir.resolve("cache"), "host-a img-1", ok).cached()).isTrue();
        assertThat(KvmProbe.decide(kvm, dir.resolve("cache"), "host-b img-1", ok).cached()).isFalse();
        assertThat(boots).hasValue(2);
    }

    @Test
    void oneDeviceListIsRenderedPerTransport() throws IOException {
        VmConfig tcg = new VmConfig(Path.of("/usr/bin/qemu-system-x86_64"), Accelerator.TCG, Path.of("/k"),
                Path.of("/i"), dir, 256, java.time.Duration.ofSeconds(5));
        VmConfig kvm = new VmConfig(Path.of("/usr/bin/qemu-system-x86_64"), Accelerator.KVM, Path.of("/k"),
                Path.of("/i"), dir, 256, java.time.Duration.ofSeconds(5));
        String t = String.join(" ", QemuCommand.build(tcg));
        String k = String.join(" ", QemuCommand.build(kvm));
        assertThat(t).contains("-M q35", "-accel tcg", "virtio-serial-pci,id=vser", "virtio-rng-pci")
                .doesNotContain("-device virtio-serial-device");
        assertThat(k).contains("-M microvm,acpi=on", "-accel kvm", "virtio-serial-device,id=vser", "virtio-rng-device");
        assertThat(t.split("virtio-9p-pci,").length - 1).isEqualTo(VmConfig.FOLDER_SLOTS);
        assertThat(k.split("virtio-9p-device,").length - 1).isEqualTo(VmConfig.FOLDER_SLOTS);
        String shared = String.join(" ", QemuCommand.build(tcg.withFolders(java.util.List.of(
                new SharedFolder(Path.of("/home/u/a,b"), "Docs", true), new SharedFolder(Path.of("/home/u/w"), "Work", false)))));
        assertThat(shared).contains("local,id=fs0,path=/home/u/a,,b,security_model=none,readonly=on",
                "local,id=fs1,path=/home/u/w,security_model=mapped-xattr",
                "local,id=fs2,path=" + dir.resolve("empty") + ",security_model=none,readonly=on");
        for (String cmd : new String[] {t, k}) {
            assertThat(cmd).contains("-nodefaults", "-no-user-config",
                    "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
                    "name=" + VmConfig.AGENT_PORT).doesNotContain("-netdev", "-nic", "virtio-net");
        }
    }
}
