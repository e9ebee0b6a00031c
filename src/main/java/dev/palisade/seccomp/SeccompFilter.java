package dev.palisade.seccomp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Tier;
import dev.palisade.sys.Libc;

/**
 * The seccomp layer of the namespace tier: the profile's BPF program, plus Palisade's own
 * no-named-Unix-sockets program unless the policy allows them, each handed to bwrap in a pipe
 * with {@code --add-seccomp-fd}. bwrap installs them (with no_new_privs) in the sandbox's
 * init and in the command, so every sandboxed process runs under both; the kernel applies the
 * strictest answer of all filters (seccomp(2), "Filter return values").
 *
 * <p>It also makes /proc read-only inside the sandbox ({@code --remount-ro /proc}): opening
 * /proc/PID/mem for writing then fails with EROFS for every process, which closes the
 * memory-write path between sandboxed processes that ptrace rules cannot (the access check for
 * /proc/PID/mem is ptrace's, and two processes of the same user pass it). These options must come
 * after the launcher's {@code --proc /proc}.
 *
 * <p>One instance serves any number of launches; each {@link #prepare} creates fresh pipes
 * (a pipe is consumed by reading), and {@link #close} closes them all. Create one per launch
 * when launches overlap.
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

    /**
     * The filter for the policy's {@code seccomp} value: what {@code palisade run} calls. Fast
     * in a fresh JVM: an unchanged profile's programs come from {@link ProgramCache} without
     * parsing or compiling; otherwise the profile is parsed, checked and compiled here.
     *
     * @param spec {@code "default"}, {@code "none"} or a profile file
     * @param tier the tier being launched
     * @param baseDir the directory a relative profile path is resolved against (the policy
     *        file's directory, or the working directory)
     * @param allowUnixSockets whether the policy allows named Unix sockets
     * @return the filter, or empty for the direct tier (no sandbox to filter)
     * @throws SeccompException naming the problem ({@code "none"} with another tier, a missing
     *         or broken profile); the CLI exits 125 with its message
     */
    public static Optional<SeccompFilter> forPolicy(String spec, Tier tier, Path baseDir, boolean allowUnixSockets)
            throws SeccompException {
        switch (tier) {
            case DIRECT -> {
                return Optional.empty();
            }
            case NAMESPACE, VM -> {
                if (spec.equals(SeccompProfile.NONE)) {
                    throw new SeccompException("seccomp: 'none' is only allowed with tier direct (tier is "
                            + tier.cliName() + ")");
                }
            }
        }
        boolean builtIn = spec.equals(SeccompProfile.DEFAULT);
        Path file = builtIn ? null : baseDir.resolve(spec);
        byte[] text = builtIn ? SeccompProfile.defaultProfileText() : SeccompProfile.readProfileFile(file);
        ProgramCache.Key key = ProgramCache.key(text, allowUnixSockets, SeccompProfile.noUnixSocketsText());
        Optional<List<byte[]>> cached = ProgramCache.read(key);
        if (cached.isPresent()) {
            return Optional.of(new SeccompFilter(cached.get()));
        }
        SeccompProfile profile = builtIn ? SeccompProfile.defaultProfile()
                : SeccompProfile.parse(file.toString(), new String(text, StandardCharsets.UTF_8));
        SeccompFilter f = create(profile, allowUnixSockets);
        ProgramCache.write(key, f.programs);
        return Optional.of(f);
    }

    /**
     * The programs the namespace tier installs for the default policy (the built-in profile, named
     * Unix sockets denied), for the VM image: the guest agent hands the same programs to its bwrap.
     *
     * @return the BPF programs, in the order bwrap installs them
     * @throws SeccompException if a program does not compile
     */
    public static List<byte[]> defaultPrograms() throws SeccompException {
        return create(SeccompProfile.defaultProfile(), false).programs();
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
            // A pipe holding the whole program (at most 32 KiB: 4096 BPF instructions, within a
            // pipe's 64 KiB) with its write end closed: bwrap reads to EOF, and nobody who gets
            // the read end can change what it reads. Pipes are on the launcher's path already, so
            // no extra native linking is paid at start-up.
            int[] pipe = Libc.pipe();
            try {
                Libc.writeAll(pipe[1], program);
            } catch (IOException e) {
                Libc.closeQuietly(pipe[0]);
                throw e;
            } finally {
                Libc.closeQuietly(pipe[1]);
            }
            openFds.add(pipe[0]);
            int childFd = plan.passFd(pipe[0]);
            plan.addBwrapArgs("--add-seccomp-fd", Integer.toString(childFd));
        }
        plan.addBwrapArgs("--remount-ro", "/proc");
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (int fd : openFds) {
            try {
                Libc.close(fd);
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
