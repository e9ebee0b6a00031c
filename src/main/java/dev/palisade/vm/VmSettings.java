package dev.palisade.vm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the vm tier runs on this host: which QEMU and image, where images, snapshots and the KVM
 * verdict are kept, guest memory and the heartbeat.
 *
 * @param qemu the qemu-system-x86_64 binary
 * @param imageStore where {@code palisade image install} puts images
 * @param cacheDir Palisade's cache folder ({@code $XDG_CACHE_HOME/palisade}): snapshots under
 *     {@code snapshots/}, the KVM verdict in {@code kvm-verdict}
 * @param image the image to use: {@code NAME} (its newest installed version) or {@code NAME-VERSION}
 * @param memoryMiB guest memory
 * @param heartbeat time between heartbeats, or null for the accelerator's default
 * @param maxMissed missed heartbeats in a row after which the VM is given up
 * @param devKvm the KVM device, normally /dev/kvm
 */
public record VmSettings(Path qemu, Path imageStore, Path cacheDir, String image, int memoryMiB, Duration heartbeat,
        int maxMissed, Path devKvm) {
    /** The image used when neither {@code --image} nor the policy's {@code vm.image} names one. */
    public static final String DEFAULT_IMAGE = "palisade-base";

    /** Validates. */
    public VmSettings {
        Objects.requireNonNull(qemu, "qemu");
        Objects.requireNonNull(imageStore, "imageStore");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(devKvm, "devKvm");
        if (!image.matches("[A-Za-z0-9][A-Za-z0-9._+-]{0,128}") || image.contains("..")) {
            throw new IllegalArgumentException("image '" + image + "' is not NAME or NAME-VERSION");
        }
        if (maxMissed < 1) {
            throw new IllegalArgumentException("maxMissed must be at least 1");
        }
        if (heartbeat != null && (heartbeat.isNegative() || heartbeat.isZero())) {
            throw new IllegalArgumentException("heartbeat interval must be positive");
        }
    }

    /**
     * This user's settings: {@code $XDG_CACHE_HOME/palisade} (else {@code ~/.cache/palisade}),
     * the QEMU on PATH, 512 MiB, the default heartbeat.
     *
     * @param image the image, or null for {@link #DEFAULT_IMAGE}
     * @return the settings
     */
    public static VmSettings defaults(String image) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = (xdg != null && xdg.startsWith("/") ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache")).resolve("palisade");
        Path qemu = Path.of("/usr/bin/qemu-system-x86_64");
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "qemu-system-x86_64");
            if (dir.startsWith("/") && java.nio.file.Files.isExecutable(p)) {
                qemu = p;
                break;
            }
        }
        return new VmSettings(qemu, cache.resolve("images"), cache, image == null ? DEFAULT_IMAGE : image, 512, null,
                VmSupervisor.DEFAULT_MAX_MISSED, Path.of("/dev/kvm"));
    }

    /** The same settings with another heartbeat. */
    public VmSettings withHeartbeat(Duration interval, int missed) {
        return new VmSettings(qemu, imageStore, cacheDir, image, memoryMiB, interval, missed, devKvm);
    }

    /** The same settings with other folders for images and cache. */
    public VmSettings withStore(Path images, Path cache) {
        return new VmSettings(qemu, images, cache, image, memoryMiB, heartbeat, maxMissed, devKvm);
    }

    /** The same settings with another image. */
    public VmSettings withImage(String name) {
        return new VmSettings(qemu, imageStore, cacheDir, name, memoryMiB, heartbeat, maxMissed, devKvm);
    }

    /** Where snapshots are kept. */
    public Path snapshotDir() {
        return cacheDir.resolve("snapshots");
    }

    /** The heartbeat interval for an accelerator. */
    Duration heartbeatFor(Accelerator accelerator) {
        return heartbeat != null ? heartbeat : VmSupervisor.defaultInterval(accelerator);
    }
}
