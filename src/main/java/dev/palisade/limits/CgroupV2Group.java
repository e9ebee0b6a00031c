package dev.palisade.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

import dev.palisade.sandbox.ProcFiles;

/**
 * One command's group in the cgroup v2 hierarchy (Documentation/admin-guide/cgroup-v2.rst), a child
 * of a base folder with no processes of its own whose {@code cgroup.subtree_control} enables the
 * controllers used (the "no internal processes" rule forbids enabling them where processes live).
 * The base is {@code palisade} under the hierarchy's root for root, or a folder delegated to the
 * user and named by {@code PALISADE_CGROUP}.
 */
final class CgroupV2Group implements Cgroup {
    private final Path dir;
    private final boolean memory;
    private final boolean pids;

    private CgroupV2Group(Path dir, boolean memory, boolean pids) {
        this.dir = dir;
        this.memory = memory;
        this.pids = pids;
    }

    /**
     * Makes the group and writes its limits.
     *
     * @param base the base folder (created, with its controllers enabled, when missing)
     * @param controllers the controllers to use: "memory", "pids", "cpu"
     * @param name the group's name
     * @param limits the limits
     * @return the group
     * @throws IOException if a controller cannot be enabled or a limit not written
     */
    static CgroupV2Group create(Path base, Set<String> controllers, String name, Limits limits) throws IOException {
        enable(base, controllers);
        Path dir = base.resolve(name);
        Files.createDirectory(dir);
        CgroupV2Group g = new CgroupV2Group(dir, controllers.contains("memory"), controllers.contains("pids"));
        try {
            if (g.memory) {
                CgroupV1Group.write(dir.resolve("memory.max"), Long.toString(limits.memory()));
                if (Files.exists(dir.resolve("memory.swap.max"))) {
                    CgroupV1Group.write(dir.resolve("memory.swap.max"), "0");
                }
                // An OOM kill takes the whole group, not one process of it.
                CgroupV1Group.write(dir.resolve("memory.oom.group"), "1");
            }
            if (g.pids) {
                CgroupV1Group.write(dir.resolve("pids.max"), Integer.toString(limits.pids()));
            }
            if (controllers.contains("cpu")) {
                long quota = Math.max(1000, Math.round(limits.cpus() * CgroupV1Group.CFS_PERIOD_US));
                CgroupV1Group.write(dir.resolve("cpu.max"), quota + " " + CgroupV1Group.CFS_PERIOD_US);
            }
            return g;
        } catch (IOException | RuntimeException e) {
            g.remove();
            throw e;
        }
    }

    /** Creates the base if needed and enables the controllers for its children, and in its parent for it. */
    private static void enable(Path base, Set<String> controllers) throws IOException {
        if (!Files.isDirectory(base)) {
            addControllers(base.getParent(), controllers);
            try {
                Files.createDirectory(base);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // Another Palisade process made it first.
            }
        }
        addControllers(base, controllers);
    }

    private static void addControllers(Path group, Set<String> controllers) throws IOException {
        String enabled = ProcFiles.read(group.resolve("cgroup.subtree_control"));
        for (String c : controllers) {
            if (!Set.of(enabled.trim().split("\\s+")).contains(c)) {
                CgroupV1Group.write(group.resolve("cgroup.subtree_control"), "+" + c);
            }
        }
    }

    @Override
    public void add(long pid) throws IOException {
        CgroupV1Group.write(dir.resolve("cgroup.procs"), Long.toString(pid));
    }

    @Override
    public Optional<String> breach() {
        if (memory && CgroupV1Group.counter(dir.resolve("memory.events"), "oom_kill") > 0) {
            return Optional.of("memory");
        }
        if (pids && CgroupV1Group.counter(dir.resolve("pids.events"), "max") > 0) {
            return Optional.of("pids");
        }
        return Optional.empty();
    }

    @Override
    public void remove() {
        CgroupV1Group.removeDir(dir);
    }
}
