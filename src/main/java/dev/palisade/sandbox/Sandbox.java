package dev.palisade.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.palisade.paths.PathRefusedException;
import dev.palisade.paths.PathTranslator;

/** One command in a session of its own: what {@code palisade run} does. */
public final class Sandbox {
    private Sandbox() {
    }

    /**
     * Opens a session, runs one command, and closes the session.
     *
     * @param req what to run and how
     * @param forwardSignals whether SIGINT, SIGTERM and SIGHUP of this JVM go to the command
     * @return how it ended
     * @throws SandboxException when Palisade itself fails (status 125)
     */
    public static Outcome run(RunRequest req, boolean forwardSignals) throws SandboxException {
        try (SandboxSession session = SandboxSession.open(spec(req))) {
            return session.run(new Exec(req.argv(), req.env(), null, req.extensions(), req.events(), null, forwardSignals));
        }
    }

    private static SessionSpec spec(RunRequest req) {
        return new SessionSpec(req.sessionId(), req.tier(), req.mounts(), req.filesystem(), req.home(), false, req.tmpfs());
    }

    /**
     * The bwrap command line a run would use, without running it: for debugging a policy and for
     * benchmarks against bare bwrap. The synthetic files it refers to are kept in a private
     * {@code dry-run} runtime folder until the next dry run of the same session id.
     *
     * @param req what would run
     * @return bwrap's argv, ending with {@code --} and the command
     * @throws SandboxException when the request would fail to start
     */
    public static List<String> dryRun(RunRequest req) throws SandboxException {
        SessionSpec spec = spec(req);
        PathTranslator translator = new PathTranslator(spec.id(), spec.mounts());
        try {
            Path runtime = RuntimeDirs.privateDir(RuntimeDirs.base().resolve("dry-run")).resolve(spec.id());
            RuntimeDirs.deleteTree(runtime);
            RuntimeDirs.privateDir(runtime);
            FolderMasks masks = SandboxSession.planMasks(translator, spec, runtime);
            List<String> argv = new ArrayList<>();
            argv.add(Bwrap.find());
            argv.addAll(BwrapArgs.build(translator, runtime, masks, null, spec.tmpfs()));
            argv.addAll(BwrapArgs.FINISH);
            argv.add("--chdir");
            argv.add(spec.mounts().isEmpty() ? translator.sessionHome() : translator.sandboxRoot(spec.mounts().getFirst()));
            argv.add("--");
            argv.addAll(req.argv());
            return argv;
        } catch (IOException e) {
            throw new SandboxException("cannot prepare a dry run: " + e.getMessage(), e);
        } catch (PathRefusedException e) {
            throw new SandboxException(e.getMessage(), e);
        }
    }
}
