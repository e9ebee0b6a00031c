package dev.palisade.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * @param v2Base the cgroup v2 folder under which command groups are made, or null
 * @param v2 the controllers available to groups under {@code v2Base}
 * @param root whether Palisade runs as uid 0
 * @param nprocPerUserns whether the kernel counts RLIMIT_NPROC per user namespace
 * @param notes why a mechanism is missing, for {@code palisade doctor}
 */
record Mechanisms(Map<String, Path> v1, Path v2Base, Set<String> v2, boolean root, boolean nprocPerUserns,
        List<String> notes) {
    /** The environment variable naming a cgroup v2 folder delegated to Palisade (no processes in it). */
    static final String DELEGATED = "PALISADE_CGROUP";
    /** The cgroup v1 controllers Palisade uses. */
    static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu");

    Mechanisms {
        v1 = Map.copyOf(v1);
        v2 = Set.copyOf(v2);
        notes = List.copyOf(notes);
    }

    /** No cgroups: only rlimits (tests and hosts without cgroups). */
    Mechanisms(Map<String, Path> v1, boolean root, boolean nprocPerUserns) {
        this(v1, null, Set.of(), root, nprocPerUserns, List.of());
    }

    /** The mechanism for a controller: "v2", "v1" or null. */
    String cgroupFor(String controller) {
        if (v2Base != null && v2.contains(controller)) {
            return "v2";
        }
        return v1.containsKey(controller) ? "v1" : null;
    }

    /** Probes the running host. */
    static Mechanisms probe() {
        List<String> notes = new ArrayList<>();
        Map<String, Path> v1 = new HashMap<>();
        Path[] v2Mount = new Path[1];
        Map<String, Path> mounts = v1Mounts(notes, v2Mount);
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
        boolean root = Libc.geteuid() == 0;
        Path v2Base = null;
        Set<String> v2 = new HashSet<>();
        String delegated = System.getenv(DELEGATED);
        if (delegated != null && !delegated.isBlank()) {
            Path d = Path.of(delegated);
            if (Files.isDirectory(d) && Files.isWritable(d)) {
                v2Base = d;
                v2.addAll(words(d.resolve("cgroup.controllers")));
            } else {
                notes.add(DELEGATED + "=" + delegated + " is not a writable cgroup v2 folder");
            }
        } else if (v2Mount[0] != null && root && Files.isWritable(v2Mount[0])) {
            // Root makes "palisade" under the v2 root, whose controllers it may enable for it.
            v2Base = v2Mount[0].resolve("palisade");
            v2.addAll(words(v2Mount[0].resolve("cgroup.controllers")));
        } else if (v2Mount[0] != null) {
            notes.add("cgroup v2 at " + v2Mount[0] + ": needs root, or a delegated folder named by " + DELEGATED);
        }
        v2.retainAll(CONTROLLERS);
        if (v2Base != null && v2.isEmpty()) {
            notes.add("cgroup v2 at " + v2Base.getParent() + " offers none of " + CONTROLLERS
                    + " (they are bound to cgroup v1 here)");
        }
        return new Mechanisms(v1, v2.isEmpty() ? null : v2Base, v2, root, kernelAtLeast(5, 14), notes);
    }

    private static Set<String> words(Path file) {
        try {
            String text = ProcFiles.read(file).trim();
            return text.isEmpty() ? Set.of() : Set.of(text.split("\\s+"));
        } catch (IOException e) {
            return Set.of();
        }
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
    private static Map<String, Path> v1Mounts(List<String> notes, Path[] v2Mount) {
        Map<String, Path> out = new HashMap<>();
        try {
            for (String line : ProcFiles.read(Path.of("/proc/self/mountinfo")).split("\n")) {
                int dash = line.indexOf(" - ");
                if (dash < 0) {
                    continue;
                }
                String[] pre = line.substring(0, dash).split(" ");
                String[] post = line.substring(dash + 3).split(" ");
                if (pre.length >= 5 && post.length >= 1 && post[0].equals("cgroup2") && v2Mount[0] == null) {
                    v2Mount[0] = Path.of(unescape(pre[4]));
                }
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
