package dev.palisade.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import dev.palisade.testing.Prerequisites;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Builds one real bundle from the host's Debian kernel and busybox, then installs and corrupts copies. */
@Timeout(120)
class ImageBundleTest {
    @TempDir
    static Path shared;
    static Path bundle;

    @TempDir
    Path work;
    Path store;

    @BeforeAll
    static void buildBundle() throws IOException {
        Prerequisites.require(Files.isDirectory(Path.of("/boot")) && hasKernel(), "a /boot/vmlinuz-* (linux-image-amd64)");
        Prerequisites.require(Files.isRegularFile(Path.of("/bin/busybox")), "/bin/busybox (busybox-static)");
        bundle = shared.resolve("bundle");
        ImageBuilder.build(ImageBuilder.hostInputs(), "test-image", "1.0", bundle);
    }

    private static boolean hasKernel() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/boot"))) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("vmlinuz-"));
        }
    }

    @BeforeEach
    void setUp() {
        store = work.resolve("store");
    }

    private Path copyOfBundle() throws IOException {
        Path copy = work.resolve("copy");
        try (Stream<Path> s = Files.walk(bundle)) {
            for (Path p : s.toList()) {
                Path d = copy.resolve(bundle.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(d);
                } else {
                    Files.copy(p, d);
                }
            }
        }
        return copy;
    }

    private void assertNothingInstalled() throws IOException {
        if (!Files.exists(store)) {
            return;
        }
        try (Stream<Path> s = Files.list(store)) {
            assertThat(s.toList()).as("image store after a refused install").isEmpty();
        }
    }

    @Test
    void installsAVerifiedBundleWithPartsMatchingTheHost() throws IOException {
        InstalledImage img = ImageInstaller.install(bundle, store);
        assertThat(img.dir()).isEqualTo(store.resolve("test-image-1.0"));
        assertThat(Files.mismatch(img.kernel(), ImageBuilder.hostInputs().kernel())).isEqualTo(-1L);
        assertThat(Files.size(img.initramfs())).isEqualTo(img.manifest().parts().get(1).size());
        assertThat(img.manifest().kernelRelease()).isEqualTo(ImageBuilder.hostInputs().kernelRelease());
        try (Stream<Path> s = Files.list(store)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("test-image-1.0");
        }
        // Installing the same image again is a no-op that returns the same place.
        assertThat(ImageInstaller.install(bundle, store).dir()).isEqualTo(img.dir());
    }

    @Test
    void installReportsVerifyThenUnpackOfEveryPartUpToItsSize() throws IOException {
        java.util.List<String> seen = new java.util.ArrayList<>();
        java.util.Map<String, long[]> last = new java.util.LinkedHashMap<>();
        ImageInstaller.install(bundle, store, (phase, done, total) -> {
            long[] prev = last.get(phase);
            assertThat(prev == null || done >= prev[0]).as("progress of %s only grows", phase).isTrue();
            if (prev == null) {
                seen.add(phase);
            }
            last.put(phase, new long[] {done, total});
        });
        Manifest m = ImageInstaller.readManifest(bundle);
        java.util.List<String> expected = new java.util.ArrayList<>();
        for (Part p : m.parts()) {
            expected.add("verify " + p.name());
            expected.add("unpack " + p.name());
            assertThat(last.get("unpack " + p.name())).containsExactly(p.size(), p.size());
        }
        assertThat(seen).containsExactlyElementsOf(expected);
    }

    @Test
    void terminalBarRedrawsInPlaceAndEndsEachPhaseWithANewline() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        TerminalProgress bar = new TerminalProgress(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        bar.update("verify vmlinuz", 0, 2 << 20);
        bar.update("verify vmlinuz", 2 << 20, 2 << 20);
        bar.update("verify vmlinuz", 2 << 20, 2 << 20);
        bar.update("unpack vmlinuz", 1 << 20, 2 << 20);
        String text = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("\r[..............................]   0% verify vmlinuz 0.0/2.0 MiB"
                + "\r[##############################] 100% verify vmlinuz 2.0/2.0 MiB\n"
                + "\r[###############...............]  50% unpack vmlinuz 1.0/2.0 MiB");
    }

    @Test
    void initramfsHoldsInitBusyboxAndModulesInLoadOrder() throws IOException {
        InstalledImage img = ImageInstaller.install(bundle, store);
        String cpio = new String(Files.readAllBytes(img.initramfs()), StandardCharsets.ISO_8859_1);
        assertThat(cpio).startsWith("070701").contains("bin/busybox\0", "init\0", "TRAILER!!!\0",
                "lib/modules/virtio_console.ko\0");
        java.util.List<String> order = new KernelModules(ImageBuilder.hostInputs().modulesRoot())
                .loadOrder(ImageBuilder.GUEST_MODULES).stream().map(KernelModules::moduleName).toList();
        assertThat(order).contains("virtio", "virtio_ring", "virtio_console", "virtio_pci", "9pnet", "9p");
        assertThat(order.indexOf("virtio")).isLessThan(order.indexOf("virtio_console"));
        assertThat(order.indexOf("virtio_ring")).isLessThan(order.indexOf("virtio_pci"));
        assertThat(order.indexOf("9pnet")).isLessThan(order.indexOf("9pnet_virtio"));
        assertThat(order.indexOf("netfs")).isLessThan(order.indexOf("9p"));
        assertThat(cpio).contains(String.join(".ko\n", order) + ".ko\n");
    }

    @Test
    void refusesACorruptedPart() throws IOException {
        Path b = copyOfBundle();
        Path part = b.resolve("parts/initramfs.zst");
        byte[] data = Files.readAllBytes(part);
        data[data.length / 2] ^= 0x01;
        Files.write(part, data);
        assertThatThrownBy(() -> ImageInstaller.install(b, store))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("part 'initramfs' is corrupt: SHA-256 of parts/initramfs.zst is");
        assertNothingInstalled();
    }

    @Test
    void refusesAManifestHashMismatch() throws IOException {
        Path b = copyOfBundle();
        Path manifest = b.resolve("manifest.json");
        Manifest m = ImageInstaller.readManifest(b);
        String good = m.parts().get(0).sha256();
        String bad = (good.charAt(0) == '0' ? "1" : "0") + good.substring(1);
        Files.writeString(manifest, Files.readString(manifest).replace(good, bad));
        assertThatThrownBy(() -> ImageInstaller.install(b, store))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("part 'vmlinuz' does not match the manifest after decompression")
                .hasMessageContaining("expected");
        assertNothingInstalled();
    }

    @Test
    void refusesAMissingPart() throws IOException {
        Path b = copyOfBundle();
        Files.delete(b.resolve("parts/vmlinuz.zst"));
        assertThatThrownBy(() -> ImageInstaller.install(b, store))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("part 'vmlinuz' is missing from the bundle");
        assertNothingInstalled();
    }

    @Test
    void refusesPathTraversalInPartNames() throws IOException {
        for (String evil : new String[] {"../../evil", "/etc/passwd", "a/b", "..", ".hidden"}) {
            Path b = copyOfBundle();
            Path manifest = b.resolve("manifest.json");
            Files.writeString(manifest, Files.readString(manifest).replace("\"initramfs\"", "\"" + evil + "\""));
            assertThatThrownBy(() -> ImageInstaller.install(b, store))
                    .as(evil)
                    .isInstanceOf(ImageException.class)
                    .hasMessageContaining("is not a plain file name");
            assertNothingInstalled();
            Trees.deleteQuietly(b);
        }
        assertThat(work.resolve("evil")).doesNotExist();
    }

    @Test
    void refusesTraversalInTheImageName() throws IOException {
        Path b = copyOfBundle();
        Path manifest = b.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"test-image\"", "\"../escape\""));
        assertThatThrownBy(() -> ImageInstaller.install(b, store))
                .isInstanceOf(ImageException.class).hasMessageContaining("is not a plain label");
        assertNothingInstalled();
        assertThat(work.resolve("escape-1.0")).doesNotExist();
    }

    @Test
    void refusesUnknownManifestKeys() throws IOException {
        Path b = copyOfBundle();
        Path manifest = b.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\\{", "{\"postInstall\":\"rm -rf /\","));
        assertThatThrownBy(() -> ImageInstaller.install(b, store))
                .isInstanceOf(ImageException.class).hasMessageContaining("postInstall");
        assertNothingInstalled();
    }

    @Test
    void refusesADifferentImageUnderAnInstalledName() throws IOException {
        ImageInstaller.install(bundle, store);
        Path b = copyOfBundle();
        Path part = b.resolve("parts/initramfs.zst");
        Files.write(part, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        Path manifest = b.resolve("manifest.json");
        Manifest m = ImageInstaller.readManifest(b);
        String newHash = Sha256.hex(part);
        Files.writeString(manifest, Files.readString(manifest).replace(m.parts().get(1).compressedSha256(), newHash));
        assertThatThrownBy(() -> ImageInstaller.install(b, store))
                .isInstanceOf(ImageException.class).hasMessageContaining("already installed")
                .hasMessageContaining("different content");
    }

    @Test
    void installsFromAPackedBundleFile() throws IOException {
        Path file = work.resolve("image.bundle");
        ImageBuilder.pack(bundle, file);
        InstalledImage img = ImageInstaller.install(file, store);
        assertThat(Files.mismatch(img.kernel(), ImageBuilder.hostInputs().kernel())).isEqualTo(-1L);
        try (Stream<Path> s = Files.list(store)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("test-image-1.0");
        }
    }

    @Test
    void refusesACorruptedPartInsideABundleFile() throws IOException {
        Path file = work.resolve("image.bundle");
        ImageBuilder.pack(bundle, file);
        byte[] data = Files.readAllBytes(file);
        data[data.length - 4096] ^= 0x40;
        Files.write(file, data);
        assertThatThrownBy(() -> ImageInstaller.install(file, store))
                .isInstanceOf(ImageException.class).hasMessageContaining("is corrupt");
        assertNothingInstalled();
    }

    @Test
    void refusesArchiveEntriesThatEscapeOrAreLinks() throws Exception {
        Path tar = Prerequisites.requireExecutable("tar");
        Path src = Files.createDirectories(work.resolve("src"));
        Files.writeString(src.resolve("manifest.json"), "{}");
        Files.createSymbolicLink(src.resolve("link"), Path.of("/etc/passwd"));
        run(src, tar.toString(), "-cf", "../escape.tar", "-P", "--transform=s,^,../../,", "manifest.json");
        run(src, tar.toString(), "-cf", "../link.tar", "--transform=s,link,manifest.json,", "link");
        assertThatThrownBy(() -> ImageInstaller.install(work.resolve("escape.tar"), store))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("bundle entry '../../manifest.json' is not manifest.json or parts/<name>.zst");
        assertThatThrownBy(() -> ImageInstaller.install(work.resolve("link.tar"), store))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("bundle entry 'manifest.json' is not a regular file");
        assertNothingInstalled();
        assertThat(work.getParent().resolve("manifest.json")).doesNotExist();
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }
}
