package dev.palisade.limits;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

import dev.palisade.sandbox.ProcFiles;

/**
 * Counts the tasks (threads) of a process tree through /proc (proc(5): /proc/PID/task and
 * /proc/PID/task/TID/children). Where RLIMIT_NPROC is the only task limit, the kernel refuses the
 * fork silently (EAGAIN) and keeps no counter Palisade can read, so reaching the limit is detected
 * by counting. Inside a pid namespace, orphans are re-parented to the namespace's init, so a walk
 * from the init sees the whole sandbox.
 */
final class TaskCount {
    private TaskCount() {
    }

    /**
     * Counts the tasks of the tree rooted at {@code root}, stopping early at {@code atLeast}.
     *
     * @param root the tree's root (the sandbox's init)
     * @param atLeast stop counting once this many are found
     * @return the count (at most a little above {@code atLeast})
     */
    static int of(long root, int atLeast) {
        Deque<Long> todo = new ArrayDeque<>();
        Set<Long> seen = new HashSet<>();
        todo.add(root);
        int tasks = 0;
        while (!todo.isEmpty() && tasks < atLeast) {
            long pid = todo.poll();
            if (!seen.add(pid)) {
                continue;
            }
            Path taskDir = Path.of("/proc", Long.toString(pid), "task");
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(taskDir)) {
                for (Path t : ds) {
                    tasks++;
                    try {
                        for (String c : ProcFiles.read(t.resolve("children")).trim().split("\\s+")) {
                            if (!c.isEmpty()) {
                                todo.add(Long.parseLong(c));
                            }
                        }
                    } catch (IOException | NumberFormatException e) {
                        // The task ended while we looked: it no longer counts.
                    }
                }
            } catch (IOException e) {
                // The process ended while we looked.
            }
        }
        return tasks;
    }
}
