package dev.palisade.vm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import dev.palisade.image.InstalledImage;

/**
 * The ready-state snapshot of one image on this host: taken once after a cold boot reaches the
 * agent's hello (before any session data), then restored by every session. Its file name carries a
 * key over everything a migration stream depends on — the image's kernel and initramfs hashes,
 * the accelerator, the QEMU version and the machine and device set — so a change of any of them
 * makes a new snapshot instead of a failed restore. Files are 0600 in a 0700 folder and appear
 * atomically; a lock file keeps two processes from cold-booting the same image at once.
 */
final class SnapshotCache {
    private static final System.Logger LOG = System.getLogger(SnapshotCache.class.getName());

    private final Path file;
    private final Path lockFile;

    private SnapshotCache(Path file) {
        this.file = file;
        this.lockFile = file.resolveSibling(file.getFileName() + ".lock");
    }

    /**
     * The snapshot of an image under a configuration.
     *
     * @param dir the snapshot folder
     * @param image the image
     * @param template the cold-boot configuration (paths do not matter, devices and memory do)
     * @param qemuVersion QEMU's version line
     */
    static SnapshotCache of(Path dir, InstalledImage image, VmConfig template, String qemuVersion) throws IOException {
        String key = key(image, template, qemuVersion);
        return new SnapshotCache(dir.resolve(image.manifest().installName() + "-" + template.accelerator().name()
                .toLowerCase(java.util.Locale.ROOT) + "-" + key.substring(0, 16) + ".snapshot"));
    }

    static String key(InstalledImage image, VmConfig template, String qemuVersion) throws IOException {
        // The device set as QEMU sees it, with the per-session paths replaced by fixed ones.
        VmConfig shape = new VmConfig(Path.of("/qemu"), template.accelerator(), Path.of("/kernel"), Path.of("/initrd"),
                Path.of("/run"), template.memoryMiB(), template.bootTimeout());
        StringBuilder k = new StringBuilder();
        k.append("kernel ").append(VmImages.part(image.manifest(), "vmlinuz").sha256()).append('\n');
        k.append("initramfs ").append(VmImages.part(image.manifest(), "initramfs").sha256()).append('\n');
        k.append("accelerator ").append(template.accelerator()).append('\n');
        k.append("qemu ").append(qemuVersion).append('\n');
        k.append("devices ").append(String.join(" ", QemuCommand.build(shape, true))).append('\n');
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(k.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    /** QEMU's version line ({@code qemu-system-x86_64 -version}). */
    static String qemuVersion(Path qemu) throws IOException, InterruptedException {
        return qemuVersion(qemu, null);
    }

    /**
     * QEMU's version line, remembered in {@code cacheFile} while the binary's size and mtime stay
     * the same (starting QEMU just to ask costs 0.1–0.3 s on a loaded machine).
     */
    static String qemuVersion(Path qemu, Path cacheFile) throws IOException, InterruptedException {
        String stamp = qemu.toRealPath() + " " + Files.size(qemu) + " " + Files.getLastModifiedTime(qemu).toMillis();
        if (cacheFile != null && Files.isRegularFile(cacheFile)) {
            String[] f = Files.readString(cacheFile, StandardCharsets.UTF_8).split("\t", 2);
            if (f.length == 2 && f[0].equals(stamp)) {
                return f[1].strip();
            }
        }
        String version = askQemu(qemu);
        if (cacheFile != null) {
            Files.createDirectories(cacheFile.getParent());
            Path tmp = Files.createTempFile(cacheFile.getParent(), ".qemu-version", ".tmp");
            Files.writeString(tmp, stamp + "\t" + version + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, cacheFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return version;
    }

    private static String askQemu(Path qemu) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(qemu.toString(), "-version").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new VmUnavailableException(qemu + " -version failed: " + out.strip()
                    + " (Debian: apt-get install qemu-system-x86)");
        }
        return out.lines().findFirst().orElse("").strip();
    }

    /** The snapshot file (it may not exist yet). */
    Path file() {
        return file;
    }

    /**
     * The snapshot, made now with a cold boot of {@code template} when there is none.
     *
     * @param template the cold-boot configuration
     * @param saveTimeout how long saving may take
     * @return the snapshot file
     */
    Path ensure(VmConfig template, Duration saveTimeout, java.util.function.Consumer<String> notes)
            throws IOException, InterruptedException {
        if (Files.isRegularFile(file)) {
            return file;
        }
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            // Released when the channel closes.
            FileLock lock = ch.lock();
            LOG.log(System.Logger.Level.DEBUG, "holding {0}", lock);
            if (Files.isRegularFile(file)) {
                return file; // another process made it while we waited
            }
            notes.accept("making the ready snapshot of image " + template.kernel().getParent().getFileName()
                    + " with one cold boot (once per image, host and accelerator; "
                    + (template.accelerator() == Accelerator.TCG ? "about a minute under TCG)" : "a few seconds)"));
            long t0 = System.nanoTime();
            Vm vm = Vm.boot(template);
            vm.saveSnapshot(file, saveTimeout);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            LOG.log(System.Logger.Level.DEBUG, "snapshot {0} saved ({1} MiB) {2} ms after the cold boot started",
                    file.getFileName(), Files.size(file) >> 20, (System.nanoTime() - t0) / 1_000_000);
            return file;
        } finally {
            deleteTree(template.runtimeDir());
        }
    }

    /** Removes an unusable snapshot so that the next {@link #ensure} makes a new one. */
    void discard() throws IOException {
        Files.deleteIfExists(file);
    }

    /** Removes a folder tree best effort (the template's runtime folder). */
    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // Best effort: a leftover in a private runtime folder harms nobody.
        }
    }
}
