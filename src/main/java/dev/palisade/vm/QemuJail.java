package dev.palisade.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Confines QEMU itself with bubblewrap (bwrap(1)), on top of QEMU's own {@code -sandbox}: a QEMU
 * bug reachable from the guest (a device emulation flaw) then lands in a process that sees only the
 * system folders read-only, the image's two files, the session's runtime folder, the shared folders
 * (or their file-guard views) and, with KVM, /dev/kvm — never {@code /} or {@code $HOME} — with no
 * network, no capabilities, its own pid namespace, and {@code --die-with-parent}, so it cannot
 * outlive the JVM that started it.
 */
final class QemuJail {
    /** Read-only system folders QEMU needs (binary, libraries, firmware under /usr/share/qemu). */
    private static final List<String> SYSTEM = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
            "/opt");

    private QemuJail() {
    }

    /** The bwrap binary, or an explanation why there is none. */
    static Path bwrap() throws IOException {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (dir.startsWith("/")) {
                Path p = Path.of(dir, "bwrap");
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new IOException("bwrap (bubblewrap) is not installed; the vm tier runs QEMU inside it "
                + "(Debian: apt-get install bubblewrap)");
    }

    /**
     * The command line that runs {@code qemuArgv} confined.
     *
     * @param bwrap the bwrap binary
     * @param c the VM's configuration: which files and folders QEMU may see
     * @param qemuArgv QEMU's own command line ({@link QemuCommand#build})
     * @return bwrap's command line, ending with QEMU's
     */
    static List<String> wrap(Path bwrap, VmConfig c, List<String> qemuArgv) throws IOException {
        List<String> a = new ArrayList<>();
        a.add(bwrap.toString());
        // --unshare-all includes the network: QEMU has no NIC and reaches the host only through the
        // Unix sockets in its runtime folder, which are file system objects.
        a.addAll(List.of("--die-with-parent", "--unshare-all", "--new-session", "--cap-drop", "ALL"));
        for (String dir : SYSTEM) {
            Path p = Path.of(dir);
            if (Files.isSymbolicLink(p)) {
                a.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dir));
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                a.addAll(List.of("--ro-bind", dir, dir));
            }
        }
        // The dynamic loader's cache only: nothing else of /etc (QEMU runs with -no-user-config).
        if (Files.isRegularFile(Path.of("/etc/ld.so.cache"))) {
            a.addAll(List.of("--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"));
        }
        a.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
        if (c.accelerator() == Accelerator.KVM) {
            a.addAll(List.of("--dev-bind", "/dev/kvm", "/dev/kvm"));
        }
        for (SharedFolder f : c.folders()) {
            String host = f.host().toString();
            a.addAll(List.of(f.readOnly() ? "--ro-bind" : "--bind", host, host));
        }
        // After the folders, so that a folder holding one of them cannot shadow it.
        String kernel = c.kernel().toAbsolutePath().toString();
        String initramfs = c.initramfs().toAbsolutePath().toString();
        a.addAll(List.of("--ro-bind", kernel, kernel, "--ro-bind", initramfs, initramfs));
        String runtime = c.runtimeDir().toAbsolutePath().toString();
        a.addAll(List.of("--bind", runtime, runtime));
        a.addAll(List.of("--chdir", "/", "--"));
        a.addAll(qemuArgv);
        return List.copyOf(a);
    }
}
