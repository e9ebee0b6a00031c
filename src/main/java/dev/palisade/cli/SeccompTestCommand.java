package dev.palisade.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

import dev.palisade.api.EventSink;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.paths.PathTranslator;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.sandbox.Exec;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.RuntimeDirs;
import dev.palisade.sandbox.SandboxException;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sandbox.SessionIds;
import dev.palisade.sandbox.SessionSpec;
import dev.palisade.sandbox.Tier;
import dev.palisade.seccomp.SeccompCommands;
import dev.palisade.seccomp.SeccompException;
import dev.palisade.seccomp.SeccompProfile;
import dev.palisade.sys.Libc;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code palisade seccomp test}: compiles the probe with gcc, runs it in a namespace-tier sandbox
 * under the filter and prints a table of every attempt. Exit status 0 when all match, 1 when one
 * does not, 125 when Palisade fails.
 */
@Command(name = "test", description = "Attempt every denied call inside a sandbox and print a table (needs gcc).")
final class SeccompTestCommand implements Callable<Integer> {
    @Option(names = "--profile", paramLabel = "default|FILE", defaultValue = SeccompProfile.DEFAULT,
            description = "The profile (OCI/Docker seccomp JSON), default: ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--allow-unix-sockets", description = "As for a policy that allows named Unix sockets.")
    boolean allowUnixSockets;

    @Override
    public Integer call() {
        Path work = null;
        try {
            work = Files.createTempDirectory("palisade-seccomp-test");
            boolean ok = SeccompCommands.test(SeccompTestCommand::runInSandbox, SeccompProfile.load(profile),
                    allowUnixSockets, work, System.out);
            return ok ? 0 : 1;
        } catch (SeccompException e) {
            return Fail.with(e.getMessage());
        } catch (IOException e) {
            return Fail.with("seccomp test: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Fail.with("seccomp test: interrupted");
        } finally {
            if (work != null) {
                RuntimeDirs.deleteTree(work);
            }
        }
    }

    /** Runs the probe with its folder shared read-only; its output goes to a file in that folder's parent. */
    private static String runInSandbox(SandboxExtension filter, Path hostDir, Function<String, List<String>> command)
            throws IOException {
        String id = SessionIds.generate();
        Mount probe = new Mount(hostDir.toRealPath(), "probe", Access.RO);
        String inside = new PathTranslator(id, List.of(probe)).sandboxRoot(probe);
        Path out = Files.createTempFile(hostDir.getParent(), "probe", ".out");
        int in = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        int o = Libc.open(out.toString(), Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CLOEXEC, 0);
        try (SandboxSession s = SandboxSession.open(new SessionSpec(id, Tier.NAMESPACE, List.of(probe),
                FilesystemPolicy.DEFAULT, Path.of(System.getProperty("user.home")), false))) {
            Outcome r = s.run(new Exec(command.apply(inside), Map.of(), null, List.of(filter), EventSink.NONE,
                    new int[] {in, o, 2}, false));
            if (r.status() != 0) {
                throw new IOException("the probe failed with status " + r.status() + " " + r.message());
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (SandboxException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            Libc.closeQuietly(in);
            Libc.closeQuietly(o);
        }
    }
}
