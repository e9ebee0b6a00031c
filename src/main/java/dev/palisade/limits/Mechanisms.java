package dev.palisade.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.palisade.sandbox.ProcFiles;
import dev.palisade.sys.Libc;

/**
 * What this host offers to enforce limits, probed from /proc/self/cgroup and /proc/self/mountinfo
 * (cgroups(7)): for each cgroup v1 controller, the folder of the group this process is in, when it
 * is writable (a child group is made there, so the sandbox stays inside whatever bounds Palisade
 * itself runs under); and whether RLIMIT_NPROC counts per user namespace (Linux 5.14+, ucounts),
 * which makes it a per-sandbox task limit for an ordinary user.
 *
 * @param v1 the writable cgroup v1 folder of this process per controller ("memory", "pids", "cpu")
 * @param root whether Palisade runs as uid 0
 * @param nprocPerUserns whether the kernel counts RLIMIT_NPROC per user namespace
 * @param notes why a mechanism is missing, for {@code palisade doctor}
 */
record Mechanisms(Map<String, Path> v1, boolean root, boolean nprocPerUserns, List<String> notes) {
    /** The cgroup v1 controllers Palisade uses. */
    static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu");

    Mechanisms {
        v1 = Map.copyOf(v1);
        notes = List.copyOf(notes);
    }

    /** Probes the running host. */
    static Mechanisms probe() {
        List<String> notes = new ArrayList<>();
        Map<String, Path> v1 = new HashMap<>();
        Map<String, Path> mounts = v1Mounts(notes);
        Map<String, String> groups = ownGroups(notes);
        for (String c : CONTROLLERS) {
            Path mount = mounts.get(c);
            String group = groups.get(c);
            if (mount == null) {
                notes.add("cgroup v1 " + c + " controller is not mounted");
                continue;
            }
            if (group == null) {
                notes.add("this process is in no cgroup v1 " + c + " group");
                continue;
            }
            Path dir = mount.resolve(group.substring(1));
            if (Files.isDirectory(dir) && Files.isWritable(dir)) {
                v1.put(c, dir);
            } else {
                notes.add("cgroup v1 " + c + " group " + dir + " is not writable (needs root or a delegated group)");
            }
        }
        return new Mechanisms(v1, Libc.geteuid() == 0, kernelAtLeast(5, 14), notes);
    }

    /**
     * Whether RLIMIT_NPROC bounds one sandbox: counted per (user namespace, uid) since Linux 5.14,
     * and never enforced for the host's root user (fork.c exempts INIT_USER), whose uid 0 is also
     * uid 0 inside the sandbox.
     */
    boolean nprocBoundsSandbox() {
        return nprocPerUserns && !root;
    }

    /** Mount points of cgroup v1 hierarchies by controller (proc(5): /proc/self/mountinfo). */
    private static Map<String, Path> v1Mounts(List<String> notes) {
        Map<String, Path> out = new HashMap<>();
        try {
            for (String line : ProcFiles.read(Path.of("/proc/self/mountinfo")).split("\n")) {
                int dash = line.indexOf(" - ");
                if (dash < 0) {
                    continue;
                }
                String[] pre = line.substring(0, dash).split(" ");
                String[] post = line.substring(dash + 3).split(" ");
                if (pre.length < 5 || post.length < 3 || !post[0].equals("cgroup")) {
                    continue;
                }
                for (String opt : post[2].split(",")) {
                    if (CONTROLLERS.contains(opt)) {
                        out.putIfAbsent(opt, Path.of(unescape(pre[4])));
                    }
                }
            }
        } catch (IOException e) {
            notes.add("cannot read /proc/self/mountinfo: " + e.getMessage());
        }
        return out;
    }

    /** This process's group path per v1 controller (cgroups(7): /proc/PID/cgroup). */
    private static Map<String, String> ownGroups(List<String> notes) {
        Map<String, String> out = new HashMap<>();
        try {
            for (String line : ProcFiles.read(Path.of("/proc/self/cgroup")).split("\n")) {
                String[] f = line.split(":", 3);
                if (f.length < 3 || f[1].isEmpty()) {
                    continue;
                }
                for (String c : f[1].split(",")) {
                    out.put(c, f[2]);
                }
            }
        } catch (IOException e) {
            notes.add("cannot read /proc/self/cgroup: " + e.getMessage());
        }
        return out;
    }

    /** Mountinfo escapes space, tab, newline and backslash as octal (\040). */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static boolean kernelAtLeast(int major, int minor) {
        try {
            String[] v = ProcFiles.read(Path.of("/proc/sys/kernel/osrelease")).trim().split("[.-]");
            int ma = Integer.parseInt(v[0]);
            int mi = Integer.parseInt(v[1]);
            return ma > major || (ma == major && mi >= minor);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
