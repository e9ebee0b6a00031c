package dev.palisade.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.airlift.compress.v3.zstd.ZstdOutputStream;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds an image bundle ({@code palisade image build}) from what Debian packages put on the host:
 * the kernel ({@code linux-image-amd64}), its modules for virtio-pci/mmio, virtio-serial and 9p, and
 * a static busybox ({@code busybox-static}) with the guest init shim. The bundle is a directory with
 * {@code manifest.json} and {@code parts/<name>.zst}.
 */
public final class ImageBuilder {
    /** Modules the guest needs: PCI and MMIO transports, the agent's serial port, 9p shares. */
    public static final List<String> GUEST_MODULES =
            List.of("virtio_pci", "virtio_mmio", "virtio_console", "9pnet_virtio", "9p");

    /**
     * What goes into an image.
     *
     * @param kernel the kernel image (bzImage)
     * @param kernelRelease its release, naming {@code /lib/modules/<release>}
     * @param modulesRoot {@code /lib/modules/<release>}
     * @param busybox a statically linked busybox
     */
    public record Inputs(Path kernel, String kernelRelease, Path modulesRoot, Path busybox) {
    }

    private static final int CHUNK = 1 << 20;

    private ImageBuilder() {
    }

    /**
     * Finds the inputs on this host: the newest {@code /boot/vmlinuz-*} and {@code /bin/busybox}.
     *
     * @return the inputs
     * @throws ImageException naming the Debian package to install when something is missing
     */
    public static Inputs hostInputs() throws IOException {
        Path kernel;
        try (Stream<Path> s = Files.list(Path.of("/boot"))) {
            kernel = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .max(Comparator.comparing(p -> p.getFileName().toString()))
                    .orElseThrow(() -> new ImageException("no /boot/vmlinuz-* (apt-get install linux-image-amd64)"));
        }
        String release = kernel.getFileName().toString().substring("vmlinuz-".length());
        if (!Files.isReadable(kernel)) {
            throw new ImageException(kernel + " is not readable");
        }
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isRegularFile(busybox)) {
            throw new ImageException("no /bin/busybox (apt-get install busybox-static)");
        }
        return new Inputs(kernel, release, Path.of("/lib/modules", release), busybox);
    }

    /**
     * Builds a bundle directory.
     *
     * @param in the inputs
     * @param name the image name
     * @param version the image version
     * @param out the bundle directory to create; must not exist
     * @return the manifest written
     */
    public static Manifest build(Inputs in, String name, String version, Path out) throws IOException {
        return build(in, null, name, version, out);
    }

    /**
     * Builds a bundle directory whose guest runs the Java agent (or the busybox shim when
     * {@code agent} is null).
     *
     * @param in the inputs
     * @param agent the Java runtime and classes for the guest agent, or null for the shim only
     * @param name the image name
     * @param version the image version
     * @param out the bundle directory to create; must not exist
     * @return the manifest written
     */
    public static Manifest build(Inputs in, AgentRuntime agent, String name, String version, Path out)
            throws IOException {
        return build(in, agent, name, version, out, Progress.NONE);
    }

    /**
     * Builds a bundle directory, reporting the compression of each part.
     *
     * @param in the inputs
     * @param agent the Java runtime and classes for the guest agent, or null for the shim only
     * @param name the image name
     * @param version the image version
     * @param out the bundle directory to create; must not exist
     * @param progress where to report
     * @return the manifest written
     */
    public static Manifest build(Inputs in, AgentRuntime agent, String name, String version, Path out,
            Progress progress) throws IOException {
        if (Files.exists(out)) {
            throw new ImageException(out + " already exists");
        }
        byte[] busybox = Files.readAllBytes(in.busybox());
        if (hasInterpreter(busybox)) {
            throw new ImageException(in.busybox() + " is dynamically linked; the guest has no libc "
                    + "(apt-get install busybox-static)");
        }
        List<GuestFile> files = new ArrayList<>();
        byte[] initramfs = initramfs(in, busybox, agent, files);
        byte[] kernel = Files.readAllBytes(in.kernel());

        Path tmp = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".bundle-");
        try {
            Files.createDirectory(tmp.resolve("parts"));
            List<Part> parts = new ArrayList<>();
            parts.add(writePart(tmp, "vmlinuz", kernel, progress));
            parts.add(writePart(tmp, "initramfs", initramfs, progress));
            Manifest m = new Manifest(Manifest.FORMAT, name, version, in.kernelRelease(), parts, files);
            Files.write(tmp.resolve("manifest.json"), json().writeValueAsBytes(m));
            Files.move(tmp, out);
            return m;
        } finally {
            Trees.deleteQuietly(tmp);
        }
    }

    /**
     * Packs a bundle directory into one archive file for distribution.
     *
     * @param bundleDir the bundle directory
     * @param file the archive to create; must not exist
     */
    public static void pack(Path bundleDir, Path file) throws IOException {
        BundleArchive.write(bundleDir, ImageInstaller.readManifest(bundleDir), file);
    }

    static JsonMapper json() {
        return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    }

    private static Part writePart(Path bundle, String name, byte[] data, Progress progress) throws IOException {
        Path file = bundle.resolve("parts").resolve(name + ".zst");
        String phase = "compress " + name;
        progress.update(phase, 0, data.length);
        try (OutputStream o = ZstdOutputStream.create(Files.newOutputStream(file))) {
            for (int at = 0; at < data.length; at += CHUNK) {
                int n = Math.min(CHUNK, data.length - at);
                o.write(data, at, n);
                progress.update(phase, at + n, data.length);
            }
        }
        return new Part(name, data.length, Sha256.hex(data), Sha256.hex(file));
    }

    /**
     * The initramfs: busybox, the init shim, the modules and their load order, bwrap with its
     * libraries and the seccomp programs (listed in {@code files}), and the agent's runtime.
     */
    static byte[] initramfs(Inputs in, byte[] busybox, AgentRuntime agent, List<GuestFile> files) throws IOException {
        KernelModules km = new KernelModules(in.modulesRoot());
        List<String> order = km.loadOrder(GUEST_MODULES);
        CpioWriter cpio = new CpioWriter();
        for (String d : List.of("bin", "dev", "proc", "sys", "tmp", "run", "etc", "etc/palisade", "lib",
                "lib/modules")) {
            cpio.directory(d);
        }
        // The kernel opens /dev/console for init's stdio before init can mount devtmpfs.
        cpio.charDevice("dev/console", 0600, 5, 1);
        cpio.file("bin/busybox", 0755, busybox);
        cpio.file("init", 0755, resource("init.sh"));
        StringBuilder list = new StringBuilder();
        for (String rel : order) {
            String base = rel.substring(rel.lastIndexOf('/') + 1);
            if (base.endsWith(".ko.xz") || base.endsWith(".ko.zst") || base.endsWith(".ko.gz")) {
                throw new ImageException("compressed kernel module " + rel + " is not supported by busybox insmod");
            }
            cpio.file("lib/modules/" + base, 0644, Files.readAllBytes(km.file(rel)));
            list.append(base).append('\n');
        }
        cpio.file("etc/palisade/modules", 0644, list.toString().getBytes(StandardCharsets.UTF_8));
        files.addAll(GuestTools.addTo(cpio));
        if (agent != null) {
            agent.addTo(cpio);
        }
        return cpio.finish();
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream r = ImageBuilder.class.getResourceAsStream(name)) {
            if (r == null) {
                throw new ImageException("resource " + name + " missing from the jar");
            }
            return r.readAllBytes();
        }
    }

    /** Whether an ELF file has a PT_INTERP program header, i.e. needs a dynamic loader (elf(5)). */
    static boolean hasInterpreter(byte[] elf) throws ImageException {
        if (elf.length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2) {
            throw new ImageException("busybox is not a 64-bit ELF file");
        }
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int phentsize = b.getShort(0x36) & 0xffff;
        int phnum = b.getShort(0x38) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            long at = phoff + (long) i * phentsize;
            if (at + 4 > elf.length) {
                throw new ImageException("busybox has a truncated ELF program header table");
            }
            if (b.getInt((int) at) == 3) {
                return true;
            }
        }
        return false;
    }
}
