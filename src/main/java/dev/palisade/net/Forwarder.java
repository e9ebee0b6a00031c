package dev.palisade.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One socat(1) relay process, optionally started inside a sandbox's network namespace with
 * nsenter(1). It stays in the host's mount and pid namespaces: the sandboxed processes cannot see
 * or signal it, and reach it only through the TCP port it listens on in their namespace.
 * {@link #start} returns only once socat reports that it is listening ({@code -d -d} prints
 * "listening on" at notice level).
 */
final class Forwarder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Forwarder.class.getName());
    static final long READY_TIMEOUT_MS = 5_000;

    private final Process process;
    private final String what;

    private Forwarder(Process process, String what) {
        this.process = process;
        this.what = what;
    }

    /**
     * Starts socat with the two addresses.
     *
     * @param sandboxPid the pid whose network namespace to enter, or 0 for the host's
     * @param userNs the user namespace to enter first (a path nsenter can open), or null
     * @param from socat's first address (the listener)
     * @param to socat's second address
     * @return the running forwarder, already listening
     * @throws IOException if it cannot start or does not listen in time
     */
    static Forwarder start(long sandboxPid, String userNs, String from, String to) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (sandboxPid > 0) {
            cmd.addAll(List.of("nsenter", "--net=/proc/" + sandboxPid + "/ns/net"));
            if (userNs != null) {
                // Unprivileged: setns(2) into the network namespace needs CAP_SYS_ADMIN over the user
                // namespace that owns it, which we get by entering that one first. Keep our uid/gid
                // so the proxy socket's 0600 mode still admits us.
                cmd.addAll(List.of("--user=" + userNs, "--preserve-credentials"));
            }
            cmd.add("--");
        }
        // The shell ties socat's lifetime to this JVM's: its stdin is a pipe from us (kept on fd 3,
        // since sh gives background jobs /dev/null), so when this JVM ends in any way (even SIGKILL,
        // where no close() runs) the read sees EOF and socat is killed instead of lingering in the
        // dead sandbox's network namespace. If socat itself fails, the shell exits at once.
        cmd.addAll(List.of("sh", "-c", "exec 3<&0 0</dev/null; socat \"$@\" & p=$!; { read -r line <&3; kill $p 2>/dev/null; } & wait $p", "palisade-forwarder",
                "-d", "-d", from, to));
        String what = String.join(" ", cmd);
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CountDownLatch ready = new CountDownLatch(1);
        StringBuilder early = new StringBuilder();
        Thread.ofVirtual().name("palisade-forwarder-log").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (ready.getCount() > 0) {
                        synchronized (early) {
                            early.append(line).append('\n');
                        }
                        if (line.contains(" listening on ")) {
                            ready.countDown();
                        }
                    }
                    LOG.log(Level.DEBUG, "socat: {0}", line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        Forwarder f = new Forwarder(p, what);
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
            while (!ready.await(20, TimeUnit.MILLISECONDS)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    String out;
                    synchronized (early) {
                        out = early.toString().strip();
                    }
                    f.close();
                    throw new IOException("network bridge did not start (" + what + "): "
                            + (p.isAlive() ? "not listening after " + READY_TIMEOUT_MS + " ms" : "exited") + "\n" + out);
                }
            }
        } catch (InterruptedException e) {
            f.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the network bridge", e);
        }
        return f;
    }

    /**
     * The path under which nsenter can open our descriptor of a user namespace, or null when it is
     * our own user namespace (root, or no user namespace), where no --user is needed.
     */
    static String userNamespacePath(int fd) throws IOException {
        Path ours = Path.of("/proc/self/ns/user");
        Path theirs = Path.of("/proc/self/fd/" + fd);
        if (Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(ours))) {
            return null;
        }
        // /proc/<our pid>/fd/N: nsenter runs as our user and may open our descriptors' magic links.
        return "/proc/" + ProcessHandle.current().pid() + "/fd/" + fd;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Simulates this JVM's death for tests: closes the pipe the forwarder watches. */
    void releaseLifeline() throws IOException {
        process.getOutputStream().close();
    }

    /** Kills socat and the children it forked for open connections. */
    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already closed
        }
        process.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(Level.DEBUG, "stopped {0}", what);
    }
}
