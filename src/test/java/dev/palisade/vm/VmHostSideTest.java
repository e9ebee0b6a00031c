package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.palisade.image.ImageInstaller;
import dev.palisade.image.InstalledImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vm tier's host-side decisions that need no QEMU: image selection, snapshot keys, QEMU's jail. */
class VmHostSideTest {
    private static final String SHA = "a".repeat(64);

    @TempDir
    Path store;

    /** The guest sandbox's files as a full image lists them (a shim image lists none). */
    private static final String SANDBOX_FILES = """
            , "initramfsFiles": [
              {"path": "usr/bin/bwrap", "source": "/usr/bin/bwrap", "size": 1, "sha256": "%s"},
              {"path": "etc/palisade/seccomp/0.bpf", "source": "seccomp profile 'default', program 0", "size": 1, "sha256": "%s"}]
            """.formatted(SHA, SHA);

    private void install(String name, String version, String kernelSha) throws IOException {
        install(name, version, kernelSha, SANDBOX_FILES);
    }

    private void install(String name, String version, String kernelSha, String files) throws IOException {
        Path dir = Files.createDirectories(store.resolve(name + "-" + version));
        Files.writeString(dir.resolve("manifest.json"), """
                {"format": 1, "name": "%s", "version": "%s", "kernelRelease": "6.1.0-test",
                 "parts": [{"name": "vmlinuz", "size": 3, "sha256": "%s", "compressedSha256": "%s"},
                           {"name": "initramfs", "size": 4, "sha256": "%s", "compressedSha256": "%s"}]%s}
                """.formatted(name, version, kernelSha, SHA, SHA, SHA, files));
        Files.writeString(dir.resolve("vmlinuz"), "abc");
        Files.writeString(dir.resolve("initramfs"), "abcd");
    }

    @Test
    void selectsTheNewestVersionOfANameOrExactlyTheNamedOne() throws IOException {
        install("base", "0.9", SHA);
        install("base", "0.10", SHA);
        install("other", "1", SHA);
        assertThat(VmImages.select(store, "base").manifest().version()).isEqualTo("0.10");
        assertThat(VmImages.select(store, "base-0.9").manifest().version()).isEqualTo("0.9");
    }

    @Test
    void withoutTheImageSaysHowToBuildAndInstallOne() throws IOException {
        install("other", "1", SHA);
        assertThatThrownBy(() -> VmImages.select(store, "palisade-base"))
                .isInstanceOf(VmUnavailableException.class)
                .hasMessageContaining("no VM image 'palisade-base' is installed in " + store)
                .hasMessageContaining("installed: other-1")
                .hasMessageContaining("palisade image build --name palisade-base --out /tmp/palisade-base.bundle")
                .hasMessageContaining("palisade image install /tmp/palisade-base.bundle")
                .hasMessageContaining("does not fall back");
    }

    @Test
    void refusesAnImageWithoutTheGuestSandbox() throws IOException {
        install("shim", "1", SHA, "");
        assertThatThrownBy(() -> VmImages.select(store, "shim"))
                .isInstanceOf(VmUnavailableException.class)
                .hasMessageContaining("image shim-1 has no guest sandbox")
                .hasMessageContaining("palisade image build");
    }

    @Test
    void refusesADamagedInstallation() throws IOException {
        install("base", "1", SHA);
        Files.writeString(store.resolve("base-1/vmlinuz"), "truncated-and-longer");
        assertThatThrownBy(() -> VmImages.select(store, "base")).hasMessageContaining("damaged");
    }

    @Test
    void snapshotKeyChangesWithImageAcceleratorMemoryAndQemuButNotPaths() throws IOException {
        install("base", "1", SHA);
        install("base", "2", "b".repeat(64));
        InstalledImage one = new InstalledImage(ImageInstaller.readManifest(store.resolve("base-1")), store.resolve("base-1"));
        InstalledImage two = new InstalledImage(ImageInstaller.readManifest(store.resolve("base-2")), store.resolve("base-2"));
        String k = SnapshotCache.key(one, config(Accelerator.TCG, 512, "/a"), "QEMU 7.2");
        assertThat(SnapshotCache.key(one, config(Accelerator.TCG, 512, "/elsewhere"), "QEMU 7.2")).isEqualTo(k);
        assertThat(SnapshotCache.key(two, config(Accelerator.TCG, 512, "/a"), "QEMU 7.2")).isNotEqualTo(k);
        assertThat(SnapshotCache.key(one, config(Accelerator.KVM, 512, "/a"), "QEMU 7.2")).isNotEqualTo(k);
        assertThat(SnapshotCache.key(one, config(Accelerator.TCG, 1024, "/a"), "QEMU 7.2")).isNotEqualTo(k);
        assertThat(SnapshotCache.key(one, config(Accelerator.TCG, 512, "/a"), "QEMU 8.0")).isNotEqualTo(k);
    }

    private static VmConfig config(Accelerator a, int mem, String run) {
        return new VmConfig(Path.of("/usr/bin/qemu-system-x86_64"), a, Path.of(run, "vmlinuz"), Path.of(run, "initramfs"),
                Path.of(run, "rt"), mem, Duration.ofSeconds(10));
    }

    @Test
    void vmEventsAreJsonLinesWithTheirCause() {
        String json = dev.palisade.api.EventJson.toJson(new dev.palisade.api.VmEvent(java.time.Instant.EPOCH, "s-1",
                "failed", 0, "heartbeat missed 3 time(s)"));
        assertThat(json).isEqualTo("{\"type\":\"vm\",\"time\":\"1970-01-01T00:00:00Z\",\"session\":\"s-1\","
                + "\"action\":\"failed\",\"restarts\":0,\"cause\":\"heartbeat missed 3 time(s)\"}");
        assertThatThrownBy(() -> new dev.palisade.api.VmEvent(java.time.Instant.EPOCH, "s-1", "rebooted", 0, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void qemuSeesOnlyTheImageItsRuntimeFolderAndTheSharedFolders() throws IOException {
        String home = System.getProperty("user.home");
        VmConfig c = config(Accelerator.TCG, 512, "/srv/img").withFolders(List.of(
                new SharedFolder(Path.of("/data/docs"), "Docs", true),
                new SharedFolder(Path.of("/tmp/guard-1/mnt"), "Work", false, true)));
        List<String> a = QemuJail.wrap(Path.of("/usr/bin/bwrap"), c, QemuCommand.build(c));
        int qemu = a.indexOf("--");
        List<String> jail = a.subList(0, qemu);
        assertThat(jail).contains("--die-with-parent", "--unshare-all", "--new-session");
        assertThat(String.join(" ", jail)).contains("--ro-bind /srv/img/vmlinuz /srv/img/vmlinuz",
                "--ro-bind /srv/img/initramfs /srv/img/initramfs", "--bind /srv/img/rt /srv/img/rt",
                "--ro-bind /data/docs /data/docs", "--bind /tmp/guard-1/mnt /tmp/guard-1/mnt");
        for (int i = 0; i < jail.size(); i++) {
            if (jail.get(i).endsWith("bind")) {
                assertThat(jail.get(i + 1)).isNotIn("/", home, "/etc", "/home", "/root");
            }
        }
        assertThat(jail).doesNotContain("/dev/kvm");
        assertThat(a.get(qemu + 1)).endsWith("qemu-system-x86_64");
        // The guarded view is shared without xattr mapping (the guard owns modes); ro stays readonly.
        assertThat(String.join(" ", a)).contains("path=/tmp/guard-1/mnt,security_model=none -device",
                "path=/data/docs,security_model=none,readonly=on");
        VmConfig kvm = config(Accelerator.KVM, 512, "/srv/img");
        assertThat(QemuJail.wrap(Path.of("/usr/bin/bwrap"), kvm, QemuCommand.build(kvm)))
                .containsSequence("--dev-bind", "/dev/kvm", "/dev/kvm");
    }
}
