package dev.palisade.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.palisade.api.EventSink;
import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;

/**
 * One command to run in a session.
 *
 * @param sessionId the session id (already validated)
 * @param tier the isolation tier
 * @param mounts validated folders; the first is the working directory
 * @param filesystem the filesystem rules
 * @param argv the command and its arguments
 * @param env extra environment variables for the command
 * @param extensions parts that add to the launch (network, seccomp, …), prepared in order
 * @param home the user's home folder, for {@code ~} in rules
 * @param events where start, exit and violation events go
 * @param tmpfs sizes of the sandbox's private tmpfs mounts
 */
public record RunRequest(String sessionId, Tier tier, List<Mount> mounts, FilesystemPolicy filesystem,
        List<String> argv, Map<String, String> env, List<SandboxExtension> extensions, Path home, EventSink events,
        TmpfsSizes tmpfs) {
    /** Validates and copies. */
    public RunRequest {
        SessionIds.validate(sessionId);
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(filesystem, "filesystem");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(tmpfs, "tmpfs");
        mounts = List.copyOf(mounts);
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        extensions = List.copyOf(extensions);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("no command given");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Mount m : mounts) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("two folders are both named '" + m.name()
                        + "' inside the sandbox; give one of them another name");
            }
        }
    }

    /** A request with the kernel's default tmpfs sizes. */
    public RunRequest(String sessionId, Tier tier, List<Mount> mounts, FilesystemPolicy filesystem,
            List<String> argv, Map<String, String> env, List<SandboxExtension> extensions, Path home, EventSink events) {
        this(sessionId, tier, mounts, filesystem, argv, env, extensions, home, events, TmpfsSizes.DEFAULT);
    }
}
