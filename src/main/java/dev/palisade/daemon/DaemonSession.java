package dev.palisade.daemon;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.palisade.sandbox.SandboxSession;

/** A session the daemon keeps open, with the processes started in it. */
final class DaemonSession {
    final SandboxSession sandbox;
    final SessionPolicy policy;
    final Map<String, DaemonProcess> processes = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    private final FileOps files;
    private final FilePaths paths;

    /**
     * @param sandbox the open sandbox session; closed with this one
     * @param policy the per-command parts of its policy; closed with this one
     * @throws dev.palisade.sys.ErrnoException if a folder root cannot be opened for the file API
     */
    DaemonSession(SandboxSession sandbox, SessionPolicy policy) throws dev.palisade.sys.ErrnoException {
        this.sandbox = sandbox;
        this.policy = policy;
        var spec = sandbox.spec();
        this.files = new FileOps(new FileTree(spec.mounts()),
                new FileRules(spec.filesystem(), spec.mounts(), spec.userHome()));
        this.paths = new FilePaths(sandbox.translator());
    }

    FileOps files() {
        return files;
    }

    FilePaths paths() {
        return paths;
    }

    String nextProcessId() {
        return sandbox.spec().id() + "/p" + next.incrementAndGet();
    }

    /** Kills every command (bwrap included) and waits for them, then closes the sandbox session. */
    void close() {
        for (DaemonProcess p : processes.values()) {
            try {
                if (p.outcome() == null) {
                    p.signal(9, true);
                }
                p.await(java.time.Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                // Ended meanwhile, or we are being torn down: close regardless.
            }
        }
        files.tree().close();
        sandbox.close();
        policy.close();
    }
}
