package dev.palisade.limits;

import java.io.IOException;
import java.util.Optional;

/** One command's cgroup(s), in the v1 hierarchies or the v2 hierarchy. */
sealed interface Cgroup permits CgroupV1Group, CgroupV2Group {
    /**
     * Moves a process (with its future children) in.
     *
     * @param pid the host pid
     * @throws IOException if the kernel refuses
     */
    void add(long pid) throws IOException;

    /** The limit that was hit ("memory" or "pids"), if any. */
    Optional<String> breach();

    /** Removes the group once its processes are gone. */
    void remove();
}
