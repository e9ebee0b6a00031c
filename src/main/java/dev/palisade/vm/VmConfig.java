package dev.palisade.vm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What one VM is launched with.
 *
 * @param qemu the qemu-system-x86_64 binary
 * @param accelerator KVM or TCG
 * @param kernel the guest kernel
 * @param initramfs the guest initramfs
 * @param runtimeDir a private (0700) directory for the agent socket and logs
 * @param memoryMiB guest memory
 * @param bootTimeout how long to wait for the agent's hello
 * @param folders host folders shared over 9p, at most {@link #FOLDER_SLOTS}
 */
public record VmConfig(Path qemu, Accelerator accelerator, Path kernel, Path initramfs, Path runtimeDir,
        int memoryMiB, Duration bootTimeout, java.util.List<SharedFolder> folders) {
    /**
     * Every VM has this many 9p devices, used or not, so a snapshot of a VM without folders can be
     * restored into one with folders: the device set must match for migration, the host paths need
     * not (they are not part of the migration stream). Unused slots share an empty read-only folder.
     */
    public static final int FOLDER_SLOTS = 4;

    /** The name of the agent's virtio-serial port, looked up by the guest in /sys/class/virtio-ports. */
    public static final String AGENT_PORT = "dev.palisade.agent";

    public VmConfig {
        Objects.requireNonNull(qemu, "qemu");
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initramfs, "initramfs");
        Objects.requireNonNull(runtimeDir, "runtimeDir");
        Objects.requireNonNull(bootTimeout, "bootTimeout");
        folders = java.util.List.copyOf(folders);
        if (folders.size() > FOLDER_SLOTS) {
            throw new IllegalArgumentException("at most " + FOLDER_SLOTS + " shared folders, got " + folders.size());
        }
        if (folders.stream().map(SharedFolder::name).distinct().count() != folders.size()) {
            throw new IllegalArgumentException("two shared folders have the same name");
        }
        if (memoryMiB < 64 || memoryMiB > 65536) {
            throw new IllegalArgumentException("guest memory must be 64..65536 MiB, was " + memoryMiB);
        }
        if (runtimeDir.toString().indexOf(',') >= 0) {
            // QEMU option strings use ',' as a separator; a path with one would be misparsed.
            throw new IllegalArgumentException("runtime dir path contains ',': " + runtimeDir);
        }
        // sun_path is 108 bytes (unix(7)); fail here rather than with an obscure bind error.
        if (runtimeDir.resolve("agent.sock").toAbsolutePath().toString().length() > 100) {
            throw new IllegalArgumentException("runtime dir path too long for a Unix socket: " + runtimeDir);
        }
    }

    /** The Unix socket the host listens on and QEMU connects the agent port to. */
    public Path agentSocket() {
        return runtimeDir.resolve("agent.sock");
    }

    /** A configuration without shared folders. */
    public VmConfig(Path qemu, Accelerator accelerator, Path kernel, Path initramfs, Path runtimeDir,
            int memoryMiB, Duration bootTimeout) {
        this(qemu, accelerator, kernel, initramfs, runtimeDir, memoryMiB, bootTimeout, java.util.List.of());
    }

    /** The same VM with these shared folders. */
    public VmConfig withFolders(java.util.List<SharedFolder> shared) {
        return new VmConfig(qemu, accelerator, kernel, initramfs, runtimeDir, memoryMiB, bootTimeout, shared);
    }

    /** The empty folder behind unused 9p slots. */
    public Path emptyFolder() {
        return runtimeDir.resolve("empty");
    }

    /** The Unix socket the host listens on for QEMU's QMP monitor. */
    public Path qmpSocket() {
        return runtimeDir.resolve("qmp.sock");
    }

    /** The guest's serial console, for diagnostics. */
    public Path consoleLog() {
        return runtimeDir.resolve("console.log");
    }

    /** QEMU's own stdout and stderr. */
    public Path qemuLog() {
        return runtimeDir.resolve("qemu.log");
    }
}
