package dev.palisade.limits;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.palisade.sandbox.ProcFiles;

/**
 * One command's groups in the cgroup v1 hierarchies, children of the groups Palisade runs in
 * (Documentation/admin-guide/cgroup-v1/: memory.rst, pids.rst, and the CFS bandwidth controls of
 * sched-bwc.rst). Made before the command runs, removed after its last process is gone.
 */
final class CgroupV1Group implements Cgroup {
    /** CFS period: 100 ms, the kernel default. */
    static final long CFS_PERIOD_US = 100_000;
    private static final System.Logger LOG = System.getLogger("palisade");

    private final Map<String, Path> dirs;

    private CgroupV1Group(Map<String, Path> dirs) {
        this.dirs = dirs;
    }

    /**
     * Makes the groups and writes their limits.
     *
     * @param parents the writable group folder per controller
     * @param name the child group's name
     * @param limits the limits; only the controllers with a limit get a group
     * @return the groups
     * @throws IOException if a group cannot be made or a limit not written (all made are removed)
     */
    static CgroupV1Group create(Map<String, Path> parents, String name, Limits limits) throws IOException {
        Map<String, Path> dirs = new LinkedHashMap<>();
        CgroupV1Group g = new CgroupV1Group(dirs);
        try {
            if (limits.memory() > 0) {
                Path d = make(dirs, parents, "memory", name);
                write(d.resolve("memory.limit_in_bytes"), Long.toString(limits.memory()));
                // With swap accounting, memory+swap gets the same bound: no escape into swap.
                Path memsw = d.resolve("memory.memsw.limit_in_bytes");
                if (Files.exists(memsw)) {
                    write(memsw, Long.toString(limits.memory()));
                }
            }
            if (limits.pids() > 0) {
                Path d = make(dirs, parents, "pids", name);
                write(d.resolve("pids.max"), Integer.toString(limits.pids()));
            }
            if (limits.cpus() > 0) {
                Path d = make(dirs, parents, "cpu", name);
                write(d.resolve("cpu.cfs_period_us"), Long.toString(CFS_PERIOD_US));
                long quota = Math.max(1000, Math.round(limits.cpus() * CFS_PERIOD_US));
                write(d.resolve("cpu.cfs_quota_us"), Long.toString(quota));
            }
            return g;
        } catch (IOException | RuntimeException e) {
            g.remove();
            throw e;
        }
    }

    private static Path make(Map<String, Path> dirs, Map<String, Path> parents, String controller, String name)
            throws IOException {
        Path parent = parents.get(controller);
        if (parent == null) {
            throw new IOException("no writable cgroup v1 " + controller + " group");
        }
        Path d = parent.resolve(name);
        Files.createDirectory(d);
        dirs.put(controller, d);
        return d;
    }

    /**
     * Moves a process (with its future children) into every group (cgroup.procs).
     *
     * @param pid the host pid
     * @throws IOException if a write fails
     */
    @Override
    public void add(long pid) throws IOException {
        for (Path d : dirs.values()) {
            write(d.resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    /**
     * The limit that was hit, if any: an OOM kill in the memory group (memory.oom_control's
     * {@code oom_kill}), or a fork refused by the pids group (pids.events' {@code max}).
     */
    @Override
    public Optional<String> breach() {
        Path mem = dirs.get("memory");
        if (mem != null && counter(mem.resolve("memory.oom_control"), "oom_kill") > 0) {
            return Optional.of("memory");
        }
        Path pids = dirs.get("pids");
        if (pids != null && counter(pids.resolve("pids.events"), "max") > 0) {
            return Optional.of("pids");
        }
        return Optional.empty();
    }

    /** Reads "name value" from a flat keyed cgroup file; 0 when absent or unreadable. */
    static long counter(Path file, String name) {
        try {
            for (String line : ProcFiles.read(file).split("\n")) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2 && kv[0].equals(name)) {
                    return Long.parseLong(kv[1]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    @Override
    public void remove() {
        for (Path d : dirs.values()) {
            removeDir(d);
        }
    }

    /**
     * Removes a cgroup folder (rmdir). A group with tasks cannot be removed (EBUSY), and the last
     * processes of a killed sandbox take a moment to be reaped, so this retries for up to 2 s.
     */
    static void removeDir(Path d) {
        IOException last = null;
        for (int i = 0; i < 200; i++) {
            try {
                Files.deleteIfExists(d);
                return;
            } catch (IOException e) {
                last = e;
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        LOG.log(System.Logger.Level.WARNING, "cannot remove cgroup " + d + ": " + last);
    }

    static void write(Path file, String value) throws IOException {
        try {
            Files.write(file, value.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new IOException("cgroup file missing: " + file, e);
        } catch (IOException e) {
            throw new IOException("cannot write " + value + " to " + file + ": " + e.getMessage(), e);
        }
    }
}
