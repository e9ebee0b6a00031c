package dev.palisade.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.paths.PathTranslator;

/**
 * The bubblewrap command line of the namespace tier (bwrap(1)): every namespace unshared, all
 * capabilities dropped, a read-only system, a filtered /etc, private /tmp, /dev/shm and /proc, the
 * session home as a private tmpfs, the folders under {@code /sessions/<id>/mnt}, and a read-only root.
 */
final class BwrapArgs {
    /** The host name every sandbox has. */
    static final String HOSTNAME = "palisade";
    /** System folders shared read-only (or recreated as the same symlink) when they exist. */
    static final List<String> SYSTEM = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt");

    /** The last options: the root becomes read-only once everything is mounted on it. */
    static final List<String> FINISH = List.of("--remount-ro", "/");

    private BwrapArgs() {
    }

    /**
     * Builds the options that come before {@code --}.
     *
     * @param translator the session's paths
     * @param runtimeDir the session's private runtime folder
     * @param masks the planned folder masks
     * @param hostHome a host folder to bind as the session home (kept across commands of one
     *     session), or null for a private tmpfs that ends with the command
     * @param sizes sizes of the private tmpfs mounts
     * @return the options, without {@code --chdir} and without the final {@code --remount-ro /},
     *     which must come after every extension's mounts (see {@link #FINISH})
     * @throws IOException if the synthetic /etc files cannot be written
     */
    static List<String> build(PathTranslator translator, Path runtimeDir, FolderMasks masks, Path hostHome,
            TmpfsSizes sizes) throws IOException {
        return build(translator, runtimeDir, masks, hostHome, sizes, java.util.Map.of());
    }

    /**
     * Builds the options, binding some folders from another source (the file guard's view).
     *
     * @param sources folder name to the host path bound in its place
     */
    static List<String> build(PathTranslator translator, Path runtimeDir, FolderMasks masks, Path hostHome,
            TmpfsSizes sizes, java.util.Map<String, Path> sources) throws IOException {
        List<String> a = new ArrayList<>();
        add(a, "--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try");
        // --new-session: setsid(2), so the sandbox has no controlling terminal and TIOCSTI cannot push
        // keystrokes into the user's shell; --die-with-parent: PR_SET_PDEATHSIG, no orphans.
        add(a, "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--hostname", HOSTNAME);
        for (String dir : SYSTEM) {
            Path p = Path.of(dir);
            if (Files.isSymbolicLink(p)) {
                add(a, "--symlink", Files.readSymbolicLink(p).toString(), dir);
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                add(a, "--ro-bind", dir, dir);
            }
        }
        EtcView.addTo(a, runtimeDir, dev.palisade.sys.Libc.geteuid(), dev.palisade.sys.Libc.getegid(),
                translator.sessionHome(), HOSTNAME);
        add(a, "--proc", "/proc", "--dev", "/dev");
        tmpfs(a, sizes.shm(), "/dev/shm");
        tmpfs(a, sizes.tmp(), "/tmp");
        tmpfs(a, sizes.tmp(), "/var/tmp");
        String home = translator.sessionHome();
        if (hostHome == null) {
            tmpfs(a, sizes.home(), home);
        } else {
            add(a, "--bind", hostHome.toString(), home);
        }
        add(a, "--dir", home + "/mnt");
        for (Mount m : translator.mounts()) {
            Path source = sources.getOrDefault(m.name(), m.hostPath());
            add(a, m.access() == Access.RW ? "--bind" : "--ro-bind", source.toString(), translator.sandboxRoot(m));
        }
        a.addAll(masks.bwrapArgs());
        return a;
    }

    /** A private tmpfs; bwrap's {@code --size} applies to the next {@code --tmpfs} only (bwrap 0.5+). */
    private static void tmpfs(List<String> args, long size, String dest) {
        if (size > 0) {
            add(args, "--size", Long.toString(size));
        }
        add(args, "--tmpfs", dest);
    }

    private static void add(List<String> args, String... more) {
        args.addAll(List.of(more));
    }
}
