package dev.palisade.guard;

import dev.palisade.api.EventSink;
import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Tier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Puts one read-write folder behind the file guard in a namespace-tier launch: mounts the
 * {@link GuardedFolder} in {@link #prepare} and binds its mount point at the folder's sandbox path,
 * unmounts in {@link #close}. The launcher adds this instead of its own {@code --bind} of the raw
 * folder. The direct tier has no mount namespace to interpose in, so there it does nothing.
 */
public final class GuardedFolderExtension implements SandboxExtension {
    private final String sessionId;
    private final Path hostFolder;
    private final String sandboxPath;
    private final GuardRules rules;
    private final Path historyDir;
    private final EventSink sink;
    private GuardedFolder mounted;

    /**
     * @param sessionId the session
     * @param hostFolder the read-write host folder
     * @param sandboxPath where it appears inside ({@code /sessions/<id>/mnt/<Name>})
     * @param rules what the guard refuses
     * @param historyDir the session's history directory for this folder
     * @param sink receives violation and file events
     */
    public GuardedFolderExtension(String sessionId, Path hostFolder, String sandboxPath, GuardRules rules,
            Path historyDir, EventSink sink) {
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
        this.hostFolder = Objects.requireNonNull(hostFolder, "hostFolder");
        this.sandboxPath = Objects.requireNonNull(sandboxPath, "sandboxPath");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.historyDir = historyDir;
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    public void prepare(LaunchPlan plan) throws IOException {
        if (plan.tier() == Tier.DIRECT) {
            return;
        }
        mounted = GuardedFolder.mount(sessionId, hostFolder, rules, historyDir, sink);
        plan.addBwrapArgs("--bind", mounted.mountpoint().toString(), sandboxPath);
    }

    /** The mounted view, or null before {@link #prepare} (or on the direct tier). */
    public GuardedFolder guardedFolder() {
        return mounted;
    }

    @Override
    public void close() throws IOException {
        if (mounted != null) {
            mounted.close();
        }
    }
}
