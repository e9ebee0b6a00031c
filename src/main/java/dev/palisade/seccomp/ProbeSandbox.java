package dev.palisade.seccomp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import dev.palisade.sandbox.SandboxExtension;

/** Runs the probe in a namespace-tier sandbox; the launcher supplies it to {@code seccomp test}. */
@FunctionalInterface
public interface ProbeSandbox {
    /**
     * Runs a command in a sandbox with the filter applied and returns its standard output.
     *
     * @param filter the extension to prepare, attach and close around the run
     * @param hostDir a host directory to share read-only with the sandbox
     * @param command the command, given the path at which {@code hostDir} appears inside
     * @return the command's standard output
     * @throws IOException if the sandbox cannot run the command or it fails
     * @throws InterruptedException if interrupted while waiting
     */
    String run(SandboxExtension filter, Path hostDir, Function<String, List<String>> command) throws IOException, InterruptedException;
}
