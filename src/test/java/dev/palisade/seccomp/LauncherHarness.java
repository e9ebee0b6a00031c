package dev.palisade.seccomp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.palisade.api.EventSink;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.paths.PathTranslator;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.sandbox.Exec;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sandbox.SessionIds;
import dev.palisade.sandbox.SessionSpec;
import dev.palisade.sandbox.Tier;
import dev.palisade.sys.Libc;
import dev.palisade.testing.SandboxPrerequisites;

/**
 * Runs a command through Palisade's own launcher (namespace tier, posix_spawn, descriptors passed
 * exactly as {@link dev.palisade.sandbox.LaunchPlan#passFd} promises) with extensions applied,
 * capturing stdout and stderr in files. The first folder is the working directory.
 */
final class LauncherHarness {
    /** What a sandboxed command produced. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    private final Path tmp;
    private final List<Mount> mounts = new ArrayList<>();

    LauncherHarness(Path tmp) throws IOException {
        SandboxPrerequisites.requireBwrap();
        this.tmp = tmp;
        Path work = tmp.resolve("work");
        Files.createDirectories(work);
        mounts.add(new Mount(work.toRealPath(), "work", Access.RW));
    }

    /**
     * Shares a host folder read-only.
     *
     * @return the folder's path inside the sandbox, valid for {@link #run}
     */
    LauncherHarness roFolder(Path host, String name) throws IOException {
        mounts.add(new Mount(host.toRealPath(), name, Access.RO));
        return this;
    }

    /** Where a folder named {@code name} appears inside, for a session id. */
    String inside(String sessionId, String name) {
        Mount m = mounts.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        return new PathTranslator(sessionId, mounts).sandboxRoot(m);
    }

    /** A fresh session id, to build paths with {@link #inside} before {@link #run}. */
    static String newSessionId() {
        return SessionIds.generate();
    }

    Result run(String sessionId, List<SandboxExtension> extensions, List<String> argv) throws Exception {
        Path out = Files.createTempFile(tmp, "stdout", ".txt");
        Path err = Files.createTempFile(tmp, "stderr", ".txt");
        int in = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        int o = Libc.open(out.toString(), Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CLOEXEC, 0);
        int e = Libc.open(err.toString(), Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CLOEXEC, 0);
        Outcome outcome;
        try (SandboxSession s = SandboxSession.open(new SessionSpec(sessionId, Tier.NAMESPACE, mounts,
                FilesystemPolicy.DEFAULT, tmp, false))) {
            outcome = s.run(new Exec(argv, Map.of(), null, extensions, EventSink.NONE, new int[] {in, o, e}, false));
        } finally {
            Libc.closeQuietly(in);
            Libc.closeQuietly(o);
            Libc.closeQuietly(e);
        }
        return new Result(outcome.status(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    Result run(List<SandboxExtension> extensions, List<String> argv) throws Exception {
        return run(newSessionId(), extensions, argv);
    }
}
