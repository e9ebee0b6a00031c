package dev.palisade.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.palisade.image.AgentRuntime;
import dev.palisade.image.ImageBuilder;
import dev.palisade.image.ImageInstaller;
import dev.palisade.image.InstalledImage;
import dev.palisade.testing.Prerequisites;

/** Builds and installs real images for VM tests from the host's Debian packages. */
public final class TestImages {
    /** jlink output shared by the test classes of one build (jlink takes tens of seconds). */
    private static final Path JLINK_CACHE = Path.of("target", "jlink-cache").toAbsolutePath();

    private TestImages() {
    }

    /**
     * Fails (CI) or skips without QEMU and a static busybox.
     *
     * @return the QEMU binary
     */
    public static Path requireQemu() {
        Path qemu = Prerequisites.requireExecutable("qemu-system-x86_64");
        Prerequisites.require(Files.isRegularFile(Path.of("/bin/busybox")), "/bin/busybox (busybox-static)");
        return qemu;
    }

    /**
     * An image whose guest runs the Java agent, installed in {@code dir/store}.
     *
     * @param dir the folder for the bundle and the store
     * @param name the image name
     * @return the installed image
     */
    public static InstalledImage agent(Path dir, String name) throws IOException {
        return build(dir, name, AgentRuntime.ofThisJvm(JLINK_CACHE));
    }

    /** An image whose guest runs the busybox shim. */
    static InstalledImage shim(Path dir, String name) throws IOException {
        return build(dir, name, null);
    }

    private static InstalledImage build(Path dir, String name, AgentRuntime agent) throws IOException {
        ImageBuilder.Inputs in;
        try {
            in = ImageBuilder.hostInputs();
        } catch (IOException e) {
            Prerequisites.require(false, "a host kernel image (linux-image-amd64): " + e.getMessage());
            throw e;
        }
        ImageBuilder.build(in, agent, name, "1", dir.resolve("bundle-" + name));
        return ImageInstaller.install(dir.resolve("bundle-" + name), dir.resolve("store"));
    }
}
