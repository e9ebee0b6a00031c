package dev.palisade.vm;

import java.util.List;

/**
 * How QEMU runs the guest. The machine type and the virtio transport follow from it: with KVM the
 * minimal {@code microvm} machine with virtio-mmio devices (ACPI on, because Debian's kernel lacks
 * {@code VIRTIO_MMIO_CMDLINE_DEVICES}); under TCG {@code q35} with virtio-pci, because microvm
 * hangs in timer calibration under TCG.
 */
public enum Accelerator {
    /** Hardware virtualisation through /dev/kvm. */
    KVM(List.of("-M", "microvm,acpi=on", "-accel", "kvm", "-cpu", "host"), Transport.MMIO),
    /** QEMU's software emulator: slow but needs nothing from the host kernel. */
    TCG(List.of("-M", "q35", "-accel", "tcg", "-cpu", "max"), Transport.PCI);

    /** How virtio devices attach to the machine. */
    public enum Transport {
        /** virtio-pci ({@code -device virtio-serial-pci}). */
        PCI("-pci"),
        /** virtio-mmio ({@code -device virtio-serial-device}). */
        MMIO("-device");

        private final String suffix;

        Transport(String suffix) {
            this.suffix = suffix;
        }

        /** The QEMU device name of a virtio device on this transport: "virtio-rng" → "virtio-rng-pci". */
        public String device(String virtioBase) {
            return virtioBase + suffix;
        }
    }

    private final List<String> machineArgs;
    private final Transport transport;

    Accelerator(List<String> machineArgs, Transport transport) {
        this.machineArgs = machineArgs;
        this.transport = transport;
    }

    /** The QEMU arguments choosing machine, accelerator and CPU. */
    public List<String> machineArgs() {
        return machineArgs;
    }

    /** The virtio transport of this machine. */
    public Transport transport() {
        return transport;
    }
}
