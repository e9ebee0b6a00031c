package dev.palisade.guard;

import dev.palisade.api.EventSink;
import dev.palisade.sys.FuseOpsPatch;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.api.FuseBuilder;
import org.cryptomator.jfuse.api.FuseMountFailedException;

/**
 * A guarded view of one read-write host folder: a FUSE file system served by this JVM (jfuse over
 * libfuse 3) on a private mount point, which the launcher binds into the sandbox in place of the
 * raw folder ({@code --bind <mountpoint> /sessions/<id>/mnt/<Name>}). Every create, write, rename,
 * link, symlink, mknod, truncate, setattr and delete is checked against {@link GuardRules} before
 * it reaches the host folder; refusals return EACCES (rules) or EPERM (special files, escaping
 * symlinks, set-id bits, chown) and emit a {@link dev.palisade.api.ViolationEvent}; changes emit
 * {@link dev.palisade.api.FileEvent}s; data about to be lost is kept for {@link History#restore}.
 *
 * <p>Unprivileged users mount through the set-uid {@code fusermount3} (Debian package
 * {@code fuse3}); libfuse itself comes from {@code libfuse3-3}. If this JVM dies, the kernel aborts
 * the connection and every access through the mount fails with ENOTCONN: the sandbox never sees
 * the raw folder, because the raw folder is not in its mount namespace at all.
 */
public final class GuardedFolder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GuardedFolder.class.getName());
    private static final List<String> LIBFUSE = List.of(
            "/lib/x86_64-linux-gnu/libfuse3.so.3", "/usr/lib/x86_64-linux-gnu/libfuse3.so.3",
            "/lib/aarch64-linux-gnu/libfuse3.so.3", "/usr/lib/aarch64-linux-gnu/libfuse3.so.3",
            "/usr/lib64/libfuse3.so.3", "/usr/lib/libfuse3.so.3");

    private final Path hostFolder;
    private final Path mountpoint;
    private final Path privateDir;
    private final Fuse fuse;
    private final Arena arena;
    private final HostTree tree;
    private final HistoryLog history;
    private final Thread shutdownHook;
    private boolean closed;

    private GuardedFolder(Path hostFolder, Path mountpoint, Path privateDir, Fuse fuse, Arena arena, HostTree tree,
            HistoryLog history) {
        this.hostFolder = hostFolder;
        this.mountpoint = mountpoint;
        this.privateDir = privateDir;
        this.fuse = fuse;
        this.arena = arena;
        this.tree = tree;
        this.history = history;
        // SIGTERM/SIGINT of the host process must not leave a dead mount behind (SIGKILL still does:
        // then the kernel answers ENOTCONN until someone runs fusermount3 -u)
        this.shutdownHook = Thread.ofPlatform().unstarted(this::closeQuietly);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "unmounting " + mountpoint + " failed", e);
        }
    }

    /** The libfuse 3 shared library, or null when it is not installed. */
    public static Path findLibfuse() {
        for (String p : LIBFUSE) {
            if (Files.exists(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    /**
     * Mounts a guarded view of {@code hostFolder} on a fresh mount point in a private (0700)
     * temporary directory.
     *
     * @param sessionId the session, for events
     * @param hostFolder the read-write folder (an existing directory; canonicalised here)
     * @param rules what to refuse
     * @param historyDir where previous contents are kept (created 0700); ignored when
     *     {@code rules.keepHistoryBytes()} is 0
     * @param sink receives violation and file events
     * @return the mounted view; {@link #close()} unmounts it
     * @throws IOException if libfuse is missing, the folder cannot be opened, or mounting fails
     */
    public static GuardedFolder mount(String sessionId, Path hostFolder, GuardRules rules, Path historyDir,
            EventSink sink) throws IOException {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(sink, "sink");
        Path folder = hostFolder.toRealPath();
        if (!Files.isDirectory(folder)) {
            throw new IOException("not a directory: " + folder);
        }
        Path lib = findLibfuse();
        if (lib == null) {
            throw new IOException("libfuse 3 is not installed (Debian: apt-get install libfuse3-3 fuse3)");
        }
        Path privateDir = Files.createTempDirectory("palisade-guard-"); // 0700: nobody else can reach the mount
        Path mountpoint = Files.createDirectory(privateDir.resolve("mnt"));
        HostTree tree = new HostTree(folder);
        HistoryLog history = null;
        Arena arena = Arena.ofShared();
        try {
            if (rules.keepHistoryBytes() > 0) {
                history = new HistoryLog(Objects.requireNonNull(historyDir, "historyDir"), rules.keepHistoryBytes());
            }
            FuseBuilder builder = Fuse.builder();
            builder.setLibraryPath(lib.toString());
            GuardFs fs = new GuardFs(tree, new RuleBook(rules), history, new Audit(sessionId, tree, sink),
                    builder.errno());
            Fuse fuse = builder.build(fs);
            FuseOpsPatch.install(fuse, arena, fs::link, fs::mknodRequest);
            // default_permissions: the kernel checks mode bits against the caller. auto_cache: page
            // cache kept across opens while mtime and size are unchanged. negative_timeout: "no such
            // file" cached briefly (tar, git). None of them lets a create, open or rename skip us.
            fuse.mount("palisade-guard", mountpoint, "-o", "fsname=palisade-guard,subtype=palisade,"
                    + "default_permissions,auto_cache,negative_timeout=1");
            LOG.log(System.Logger.Level.DEBUG, "guarding {0} at {1}", folder, mountpoint);
            return new GuardedFolder(folder, mountpoint, privateDir, fuse, arena, tree, history);
        } catch (FuseMountFailedException | RuntimeException e) {
            tree.close();
            if (history != null) {
                history.close();
            }
            arena.close();
            Files.deleteIfExists(mountpoint);
            Files.deleteIfExists(privateDir);
            throw new IOException("cannot mount the file guard for " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Where the guarded view is mounted (bind this into the sandbox). */
    public Path mountpoint() {
        return mountpoint;
    }

    /** The host folder it guards (canonical). */
    public Path hostFolder() {
        return hostFolder;
    }

    /**
     * Unmounts and releases everything. Processes that still use the view get ENOTCONN.
     *
     * @throws IOException if the file system loop does not stop
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs or ran anyway; close is idempotent
            }
        }
        try {
            fuse.close();
        } catch (TimeoutException e) {
            throw new IOException("file guard did not stop: " + e.getMessage(), e);
        } finally {
            tree.close();
            if (history != null) {
                history.close();
            }
            arena.close();
            Files.deleteIfExists(mountpoint);
            Files.deleteIfExists(privateDir);
        }
    }
}
