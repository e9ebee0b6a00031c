package dev.palisade.paths;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Translates between host paths and the paths a sandboxed process sees, in both directions. Inside,
 * folder {@code Name} is {@code /sessions/<id>/mnt/Name}; everything else inside has no host path.
 */
public final class PathTranslator {
    private final String sessionRoot;
    private final String mountRoot;
    private final List<Mount> mounts;

    /**
     * Creates a translator for one session.
     *
     * @param sessionId the session id
     * @param mounts the session's validated mounts
     */
    public PathTranslator(String sessionId, List<Mount> mounts) {
        Objects.requireNonNull(sessionId, "sessionId");
        this.sessionRoot = "/sessions/" + sessionId;
        this.mountRoot = sessionRoot + "/mnt/";
        this.mounts = List.copyOf(mounts);
    }

    /** The session's home inside the sandbox, {@code /sessions/<id>}. */
    public String sessionHome() {
        return sessionRoot;
    }

    /**
     * The sandbox path of a mount's root.
     *
     * @param mount one of this session's mounts
     * @return {@code /sessions/<id>/mnt/<Name>}
     */
    public String sandboxRoot(Mount mount) {
        return mountRoot + mount.name();
    }

    /**
     * Translates a sandbox path to the host path it shows, lexically (no file system access).
     *
     * @param sandboxPath an absolute path as seen inside
     * @return the host path, or empty if the path is not inside a mounted folder or uses {@code ..}
     *     to climb out of it
     */
    public Optional<Path> toHost(String sandboxPath) {
        if (sandboxPath == null || !sandboxPath.startsWith(mountRoot)) {
            return Optional.empty();
        }
        String rest = sandboxPath.substring(mountRoot.length());
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        String tail = slash < 0 ? "" : rest.substring(slash + 1);
        for (Mount m : mounts) {
            if (m.name().equals(name)) {
                Path host = tail.isEmpty() ? m.hostPath() : m.hostPath().resolve(tail).normalize();
                return host.startsWith(m.hostPath()) ? Optional.of(host) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * Translates a host path to the path a sandboxed process sees, lexically.
     *
     * @param hostPath an absolute host path
     * @return the sandbox path, or empty if the path is in no mounted folder
     */
    public Optional<String> toSandbox(Path hostPath) {
        Path p = hostPath.toAbsolutePath().normalize();
        Mount best = null;
        for (Mount m : mounts) {
            if (p.startsWith(m.hostPath())
                    && (best == null || m.hostPath().getNameCount() > best.hostPath().getNameCount())) {
                best = m;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        Path rel = best.hostPath().relativize(p);
        String tail = rel.toString();
        return Optional.of(tail.isEmpty() ? sandboxRoot(best) : sandboxRoot(best) + "/" + tail);
    }

    /**
     * Rewrites every occurrence of a mounted folder's sandbox path in a text to its host path; for
     * output and events shown to the user on the host.
     *
     * @param text text produced inside the sandbox
     * @return the text with sandbox folder paths replaced by host paths
     */
    public String rewriteToHost(String text) {
        if (!text.contains(mountRoot)) {
            return text;
        }
        String out = text;
        for (Mount m : mounts) {
            // Only whole names: folder "Foo" must not rewrite the start of ".../mnt/FooBar".
            String pattern = java.util.regex.Pattern.quote(sandboxRoot(m)) + "(?![A-Za-z0-9._+@-])";
            out = out.replaceAll(pattern, java.util.regex.Matcher.quoteReplacement(m.hostPath().toString()));
        }
        return out;
    }

    /** The mounts this translator knows. */
    public List<Mount> mounts() {
        return mounts;
    }
}
