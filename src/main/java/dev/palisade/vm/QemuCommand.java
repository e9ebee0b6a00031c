package dev.palisade.vm;

import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line for a VM: no defaults, no user config, no NIC, no display; QEMU's own
 * seccomp sandbox on (qemu(1) {@code -sandbox}); one device list rendered for the accelerator's
 * virtio transport.
 */
final class QemuCommand {
    /** Kernel command line: serial console for diagnostics, quiet (printk to a TCG serial port is slow), halt on panic. */
    static final String CMDLINE = "console=ttyS0 quiet panic=-1 rdinit=/init init_on_free=1";

    private QemuCommand() {
    }

    static List<String> build(VmConfig c) {
        return build(c, false);
    }

    /** The 9p mount tag of folder slot i. */
    static String slotTag(int i) {
        return "palisade" + i;
    }

    /** QEMU option values escape ',' by doubling it (qemu(1), "-fsdev"). */
    static String escape(String value) {
        return value.replace(",", ",,");
    }

    /** With {@code incoming}, QEMU waits for a migration stream (QMP migrate-incoming) instead of booting. */
    static List<String> build(VmConfig c, boolean incoming) {
        Accelerator.Transport t = c.accelerator().transport();
        List<String> a = new ArrayList<>();
        a.add(c.qemu().toString());
        a.addAll(List.of("-nodefaults", "-no-user-config", "-nographic", "-no-reboot"));
        a.addAll(c.accelerator().machineArgs());
        a.addAll(List.of("-m", Integer.toString(c.memoryMiB()), "-smp", "1"));
        a.addAll(List.of("-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"));
        a.addAll(List.of("-kernel", c.kernel().toString(), "-initrd", c.initramfs().toString(), "-append", CMDLINE));
        a.addAll(List.of("-serial", "file:" + c.consoleLog()));
        // QMP for stop/cont/migrate; like the agent port, QEMU connects to a socket the host owns.
        a.addAll(List.of("-chardev", "socket,id=qmp,path=" + c.qmpSocket(), "-mon", "chardev=qmp,mode=control"));
        // The device list: each entry is rendered for the transport, nothing else is added.
        a.addAll(List.of("-device", t.device("virtio-serial") + ",id=vser"));
        a.addAll(List.of("-chardev", "socket,id=agent,path=" + c.agentSocket()));
        a.addAll(List.of("-device", "virtserialport,bus=vser.0,chardev=agent,name=" + VmConfig.AGENT_PORT));
        a.addAll(List.of("-device", t.device("virtio-rng")));
        for (int i = 0; i < VmConfig.FOLDER_SLOTS; i++) {
            SharedFolder f = i < c.folders().size() ? c.folders().get(i) : null;
            String path = f == null ? c.emptyFolder().toString() : f.host().toString();
            boolean ro = f == null || f.readOnly();
            // Read-only: QEMU refuses every write. A guarded view: the file guard refuses set-uid
            // modes and chown itself and has no xattrs, so "none" (ownership changes ignored).
            // A plain rw folder: the guest's owners and modes live in xattrs, never on the host.
            String model = ro ? ",security_model=none,readonly=on"
                    : f.guarded() ? ",security_model=none" : ",security_model=mapped-xattr";
            a.addAll(List.of("-fsdev", "local,id=fs" + i + ",path=" + escape(path) + model));
            a.addAll(List.of("-device", t.device("virtio-9p") + ",fsdev=fs" + i + ",mount_tag=" + slotTag(i)));
        }
        if (incoming) {
            a.addAll(List.of("-incoming", "defer"));
        }
        return List.copyOf(a);
    }
}
