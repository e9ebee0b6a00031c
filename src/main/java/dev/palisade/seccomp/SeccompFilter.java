package dev.palisade.seccomp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sys.Memfd;

/**
 * The seccomp layer of the namespace tier: the profile's BPF program, plus Palisade's own
 * no-named-Unix-sockets program unless the policy allows them, each handed to bwrap in a sealed
 * memfd with {@code --add-seccomp-fd}. bwrap installs them (with no_new_privs) in the sandbox's
 * init and in the command, so every sandboxed process runs under both; the kernel applies the
 * strictest answer of all filters (seccomp(2), "Filter return values").
 *
 * <p>It also makes /proc read-only inside the sandbox ({@code --remount-ro /proc}): opening
 * /proc/PID/mem for writing then fails with EROFS for every process, which closes the
 * memory-write path between sandboxed processes that ptrace rules cannot (the access check for
 * /proc/PID/mem is ptrace's, and two processes of the same user pass it). These options must come
 * after the launcher's {@code --proc /proc}.
 *
 * <p>One instance serves any number of launches; each {@link #prepare} creates fresh memfds
 * (a passed descriptor shares its offset with the child, so it cannot be reused), and
 * {@link #close} closes them all.
 */
public final class SeccompFilter implements SandboxExtension {
    private final List<byte[]> programs;
    private final List<Integer> openFds = new ArrayList<>();

    private SeccompFilter(List<byte[]> programs) {
        this.programs = List.copyOf(programs);
    }

    /**
     * Compiles the filter for a profile.
     *
     * @param profile the profile (from {@link SeccompProfile#forPolicy})
     * @param allowUnixSockets whether the policy allows named Unix sockets; if not, Palisade's
     *        own filter denies socket(AF_UNIX) and socketpair of any type but stream/seqpacket,
     *        whatever the profile says
     * @return the filter
     * @throws SeccompException if a program does not compile
     */
    public static SeccompFilter create(SeccompProfile profile, boolean allowUnixSockets) throws SeccompException {
        List<byte[]> programs = new ArrayList<>();
        programs.add(BpfCompiler.compile(profile));
        if (!allowUnixSockets) {
            programs.add(BpfCompiler.compile(SeccompProfile.noUnixSockets()));
        }
        return new SeccompFilter(programs);
    }

    /** The BPF programs, in the order bwrap installs them. */
    List<byte[]> programs() {
        return programs;
    }

    @Override
    public synchronized void prepare(LaunchPlan plan) throws IOException {
        switch (plan.tier()) {
            case DIRECT, VM -> {
                // direct: no sandbox. vm: the host launches QEMU; the guest agent installs the
                // filter around its own bwrap.
                return;
            }
            case NAMESPACE -> {
            }
        }
        for (byte[] program : programs) {
            int fd = Memfd.create("palisade-seccomp");
            openFds.add(fd);
            Memfd.writeAll(fd, program);
            Memfd.rewind(fd);
            Memfd.seal(fd);
            int childFd = plan.passFd(fd);
            plan.addBwrapArgs("--add-seccomp-fd", Integer.toString(childFd));
        }
        plan.addBwrapArgs("--remount-ro", "/proc");
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (int fd : openFds) {
            try {
                Memfd.close(fd);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        openFds.clear();
        if (first != null) {
            throw first;
        }
    }
}
