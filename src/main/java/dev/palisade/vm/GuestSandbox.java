package dev.palisade.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * How the guest agent confines each command: bubblewrap (bwrap(1)) with the namespace tier's
 * seccomp programs, compiled from the same profile when the image was built and stored under
 * {@link #SECCOMP_DIR}. Each command gets its own user, pid, ipc, uts and mount namespaces, all
 * capabilities dropped, {@code --die-with-parent}, {@code --new-session} (no controlling terminal:
 * TIOCSTI), the guest's system folders read-only, private /proc, /dev, /tmp and a tmpfs home
 * {@code /sessions/<id>}, the session's folders at {@code /sessions/<id>/mnt/<Name>} with their
 * mode, and a read-only root.
 *
 * <p>The command stays in the guest's network namespace: it holds only {@code lo} (the guest has
 * no NIC) and the agent's proxy ports on 127.0.0.1, the command's one way out. A namespace of its
 * own would cut it off from those ports and need a bridge, for no gain in isolation.
 *
 * <p>bwrap reads each program from an inherited descriptor ({@code --add-seccomp-fd}); the JDK
 * passes only descriptors 0-2 to a child, so a {@code sh -c 'exec "$@" 3<FILE …'} wrapper opens
 * them, and bwrap installs them (with no_new_privs) before running the command.
 *
 * <p>Commands run as the host user's uid and gid (from INIT). QEMU runs as that user, so a shared
 * folder's files are owned by it as the guest sees them; a command running as anyone else would be
 * refused by plain DAC inside a sandbox without capabilities. For a host user other than root the
 * wrapper therefore opens the seccomp programs as root, then execs util-linux setpriv(1)
 * ({@code --reuid --regid --clear-groups}: setresuid(2) from root to another uid clears every
 * capability, capabilities(7)), which execs bwrap as that user: bwrap then makes an unprivileged user
 * namespace mapping the uid to itself. Host root keeps guest root (a namespace mapping only 0).
 */
final class GuestSandbox {
    /** Where the image puts bwrap. */
    static final Path BWRAP = Path.of("/usr/bin/bwrap");
    /** Where the image puts util-linux setpriv (busybox's lacks {@code --reuid}). */
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /** Where the image puts the compiled seccomp programs, applied in name order. */
    static final Path SECCOMP_DIR = Path.of("/etc/palisade/seccomp");
    /** The guest's system folders, shared read-only when they exist. */
    private static final List<String> SYSTEM = List.of("/bin", "/sbin", "/usr", "/lib", "/lib64", "/etc");
    private static final int FIRST_FD = 3;

    /** A mounted session folder: its guest path and mode. */
    record Folder(String target, boolean readOnly) {
    }

    private final Path bwrap;
    private final Path setpriv;
    private final List<Path> programs;

    private GuestSandbox(Path bwrap, Path setpriv, List<Path> programs) {
        this.bwrap = bwrap;
        this.setpriv = setpriv;
        this.programs = List.copyOf(programs);
    }

    /**
     * The guest's sandbox: bwrap and at least one seccomp program must be there, or no command may
     * run (the image is broken; running commands unconfined is not a fallback).
     */
    static GuestSandbox load() throws IOException {
        return load(BWRAP, SETPRIV, SECCOMP_DIR);
    }

    static GuestSandbox load(Path bwrap, Path setpriv, Path seccompDir) throws IOException {
        for (Path tool : List.of(bwrap, setpriv)) {
            if (!Files.isExecutable(tool)) {
                throw new IOException("no " + tool + " in the guest image");
            }
        }
        List<Path> programs;
        try (Stream<Path> s = Files.list(seccompDir)) {
            programs = s.filter(p -> p.getFileName().toString().endsWith(".bpf")).sorted().toList();
        }
        if (programs.isEmpty()) {
            throw new IOException("no seccomp programs in " + seccompDir);
        }
        return new GuestSandbox(bwrap, setpriv, programs);
    }

    /**
     * The command line that runs {@code argv} in the sandbox.
     *
     * @param argv the command
     * @param cwd its working directory (inside the sandbox)
     * @param sessionId the session id (the home is {@code /sessions/<id>}), or null before INIT
     * @param folders the session's mounted folders
     * @param files read-only files to show: path in the sandbox to the agent's copy
     * @param uid the uid to run as (the host user's); 0 keeps the agent's root
     * @param gid the gid to run as
     */
    List<String> wrap(List<String> argv, String cwd, String sessionId, List<Folder> folders,
            java.util.Map<String, Path> files, int uid, int gid) {
        List<String> a = new ArrayList<>();
        StringBuilder script = new StringBuilder("exec \"$@\"");
        for (int i = 0; i < programs.size(); i++) {
            // Paths chosen by the agent (SECCOMP_DIR, .bpf names the image wrote): no quoting needed.
            script.append(' ').append(FIRST_FD + i).append("<'").append(programs.get(i)).append('\'');
        }
        a.addAll(List.of("/bin/sh", "-c", script.toString(), "sh"));
        if (uid != 0) {
            // Numeric ids: the guest has no passwd entry for the host user, and needs none.
            a.addAll(List.of(setpriv.toString(), "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
        }
        a.add(bwrap.toString());
        String id = sessionId == null ? "palisade" : sessionId;
        a.addAll(List.of("--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--hostname", id));
        for (String dir : SYSTEM) {
            Path p = Path.of(dir);
            if (Files.isSymbolicLink(p)) {
                try {
                    a.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dir));
                } catch (IOException e) {
                    // A link that cannot be read is left out, like a missing folder.
                }
            } else if (Files.isDirectory(p)) {
                a.addAll(List.of("--ro-bind", dir, dir));
            }
        }
        a.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp"));
        String home = "/sessions/" + id;
        a.addAll(List.of("--tmpfs", home, "--dir", home + "/mnt"));
        for (Folder f : folders) {
            a.addAll(List.of(f.readOnly() ? "--ro-bind" : "--bind", f.target(), f.target()));
        }
        for (java.util.Map.Entry<String, Path> f : files.entrySet()) {
            a.addAll(List.of("--ro-bind", f.getValue().toString(), f.getKey()));
        }
        for (int i = 0; i < programs.size(); i++) {
            a.addAll(List.of("--add-seccomp-fd", Integer.toString(FIRST_FD + i)));
        }
        // As SeccompFilter does in the namespace tier: no writing to /proc/PID/mem of a sibling.
        a.addAll(List.of("--remount-ro", "/proc", "--chdir", cwd, "--remount-ro", "/", "--"));
        a.addAll(argv);
        return a;
    }
}
