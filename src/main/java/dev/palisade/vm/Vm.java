package dev.palisade.vm;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One running guest: a QEMU process and the channel to the agent inside. The host listens on the
 * agent socket before QEMU starts and QEMU connects to it, so no other process can be first on the
 * socket; the runtime directory is 0700 as well.
 */
public final class Vm implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Vm.class.getName());

    private final VmConfig config;
    private final Process qemu;
    private final AgentConnection agent;
    private final Qmp qmp;
    private final Frame.Hello hello;
    private final long bootNanos;
    private final Thread reaper;

    private Vm(VmConfig config, Process qemu, AgentConnection agent, Qmp qmp, Frame.Hello hello, long bootNanos) {
        this.config = config;
        this.qemu = qemu;
        this.agent = agent;
        this.qmp = qmp;
        this.hello = hello;
        this.bootNanos = bootNanos;
        // bwrap's --die-with-parent covers a JVM that dies; this covers a normal exit, whose
        // launching thread (a daemon) may outlive the shutdown sequence.
        this.reaper = new Thread(qemu::destroyForcibly, "vm-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /**
     * Boots a VM and waits for the guest agent's hello.
     *
     * @param config what to launch
     * @return the running VM
     * @throws IOException if QEMU fails to start, exits, or the agent does not say hello in time; the
     *     message carries the tail of QEMU's log and the guest console
     */
    public static Vm boot(VmConfig config) throws IOException, InterruptedException {
        return start(config, null, null);
    }

    /**
     * Starts a VM from a snapshot saved by {@link #saveSnapshot} of the same image and settings,
     * then gives the agent the session's identity (INIT) and waits for its answer.
     *
     * @param config what to launch; the same image, accelerator and memory as the snapshot's VM
     * @param snapshot the snapshot file
     * @param sessionId the session's id, sent to the guest in INIT
     * @return the running VM
     */
    public static Vm restore(VmConfig config, Path snapshot, String sessionId) throws IOException, InterruptedException {
        if (!Files.isRegularFile(snapshot)) {
            throw new IOException("no snapshot at " + snapshot);
        }
        return start(config, snapshot, sessionId);
    }

    private static Vm start(VmConfig config, Path snapshot, String sessionId) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Files.createDirectories(config.runtimeDir());
        Files.setPosixFilePermissions(config.runtimeDir(), PosixFilePermissions.fromString("rwx------"));
        Files.deleteIfExists(config.agentSocket());
        Files.deleteIfExists(config.qmpSocket());
        Files.createDirectories(config.emptyFolder());
        if (config.accelerator() == Accelerator.TCG) {
            // The user-facing warning is the vm tier's (one line per session, not per boot).
            LOG.log(System.Logger.Level.DEBUG, "VM runs under TCG (software emulation): no usable KVM");
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ServerSocketChannel qmpServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Process qemu = null;
        AgentConnection agent = null;
        Qmp qmp = null;
        try (server; qmpServer) {
            server.bind(UnixDomainSocketAddress.of(config.agentSocket()));
            qmpServer.bind(UnixDomainSocketAddress.of(config.qmpSocket()));
            qemu = launch(new ProcessBuilder(QemuJail.wrap(QemuJail.bwrap(), config,
                    QemuCommand.build(config, snapshot != null)))
                    .redirectErrorStream(true)
                    .redirectOutput(config.qemuLog().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())));
            long deadline = t0 + config.bootTimeout().toNanos();
            SocketChannel ch = accept(server, qemu, deadline);
            agent = new AgentConnection(ch);
            qmp = new Qmp(accept(qmpServer, qemu, deadline));
            long connected = System.nanoTime() - t0;
            long loaded = 0;
            if (snapshot != null) {
                Snapshots.restore(qmp, config, snapshot, deadline);
                loaded = System.nanoTime() - t0;
                // Commands run as the host user's ids in the guest, so they own what QEMU (this user) owns.
                agent.send(new Frame.Init(sessionId, System.currentTimeMillis(), dev.palisade.sys.Libc.geteuid(),
                        dev.palisade.sys.Libc.getegid(), Snapshots.entropy()));
            }
            long left = Math.max(1, deadline - System.nanoTime());
            Frame.Hello h = agent.awaitHello(Duration.ofNanos(left));
            long boot = System.nanoTime() - t0;
            if (snapshot != null) {
                LOG.log(System.Logger.Level.DEBUG, "restore phases: QEMU connected {0} ms, state loaded {1} ms, "
                        + "agent answered INIT {2} ms", connected / 1_000_000, loaded / 1_000_000, boot / 1_000_000);
            }
            LOG.log(System.Logger.Level.DEBUG, "guest agent {0} ready after {1} ms", h.agent(), boot / 1_000_000);
            return new Vm(config, qemu, agent, qmp, h, boot);
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (agent != null) {
                agent.close();
            }
            if (qmp != null) {
                qmp.close();
            }
            if (qemu != null) {
                qemu.destroyForcibly();
            }
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("interrupted while the VM started: " + e);
            }
            throw new IOException("VM " + (snapshot == null ? "boot" : "restore") + " failed: " + e.getMessage()
                    + diagnostics(config), e);
        } finally {
            Files.deleteIfExists(config.agentSocket());
            Files.deleteIfExists(config.qmpSocket());
        }
    }

    /**
     * Starts QEMU (inside bwrap) from a platform thread that lives as long as QEMU does: bwrap's
     * {@code --die-with-parent} is PR_SET_PDEATHSIG, which fires when the <em>thread</em> that
     * created the process ends (prctl(2)), and a virtual thread's carrier or a pooled thread may
     * end long before the VM should.
     */
    private static Process launch(ProcessBuilder pb) throws IOException, InterruptedException {
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        Process[] process = new Process[1];
        IOException[] failure = new IOException[1];
        Thread.ofPlatform().daemon().name("vm-qemu").start(() -> {
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                failure[0] = e;
                started.countDown();
                return;
            }
            process[0] = p;
            started.countDown();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        });
        started.await();
        if (failure[0] != null) {
            throw failure[0];
        }
        return process[0];
    }

    private static SocketChannel accept(ServerSocketChannel server, Process qemu, long deadline)
            throws IOException {
        server.configureBlocking(false);
        try (Selector sel = Selector.open()) {
            server.register(sel, SelectionKey.OP_ACCEPT);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("QEMU did not connect to the agent socket in time");
                }
                sel.select(Math.min(200, Math.max(1, left / 1_000_000)));
                SocketChannel ch = server.accept();
                if (ch != null) {
                    ch.configureBlocking(true);
                    return ch;
                }
                if (!qemu.isAlive()) {
                    throw new IOException("QEMU exited with status " + qemu.exitValue() + " before connecting");
                }
            }
        }
    }

    private static String diagnostics(VmConfig c) {
        return "\n--- qemu log (tail) ---\n" + tail(c.qemuLog()) + "\n--- guest console (tail) ---\n"
                + tail(c.consoleLog());
    }

    private static String tail(Path p) {
        try {
            String s = Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1);
            return s.length() <= 2000 ? s : s.substring(s.length() - 2000);
        } catch (IOException e) {
            return "(" + p.getFileName() + " unavailable: " + e.getMessage() + ")";
        }
    }

    /** The agent's hello: protocol version and its name. */
    public Frame.Hello hello() {
        return hello;
    }

    /** Nanoseconds from launching QEMU to the agent's hello. */
    public long bootNanos() {
        return bootNanos;
    }

    /**
     * Runs a command in the guest to completion.
     *
     * @param argv the command and arguments
     * @param env the environment (NAME=VALUE)
     * @param cwd the absolute working directory in the guest
     * @param timeout how long to wait
     * @return how it ended and its output
     */
    public ExecResult exec(List<String> argv, List<String> env, String cwd, Duration timeout)
            throws IOException, InterruptedException {
        try {
            return agent.start(argv, env, cwd).await(timeout);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + (qemu.isAlive() ? "" : diagnostics(config)), e);
        }
    }

    /**
     * Starts a command in the guest without waiting for it.
     *
     * @param argv the command and arguments
     * @param env the environment (NAME=VALUE)
     * @param cwd the absolute working directory in the guest
     * @return the running command
     */
    public GuestProcess start(List<String> argv, List<String> env, String cwd) throws IOException {
        return agent.start(argv, env, cwd);
    }

    /**
     * Starts a command in the guest whose output streams to a sink as it arrives.
     *
     * @param argv the command and arguments
     * @param env the environment (NAME=VALUE)
     * @param cwd the absolute working directory in the guest
     * @param sink receives standard output and error
     * @return the running command; its {@link GuestProcess#await} result has empty output
     */
    public GuestProcess start(List<String> argv, List<String> env, String cwd, OutputSink sink) throws IOException {
        return agent.start(argv, env, cwd, java.util.Objects.requireNonNull(sink, "sink"));
    }

    /**
     * The host pid of the QEMU process (inside its bwrap), or -1 when it is not running.
     *
     * @return the pid
     */
    public long qemuPid() {
        return qemu.descendants().filter(h -> h.info().command().map(c -> c.endsWith("qemu-system-x86_64"))
                .orElse(false)).mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    /**
     * One heartbeat round trip.
     *
     * @param timeout how long to wait for the reply
     * @return the round trip in nanoseconds
     */
    public long heartbeat(Duration timeout) throws IOException, InterruptedException {
        return agent.heartbeat(timeout);
    }

    /**
     * Saves the running guest to a file and stops this VM: QMP {@code stop}, then a migration to a
     * socket the host copies into the file (QEMU 7.2 has no file: migration, and its sandbox forbids
     * exec:). The file appears atomically, only when the migration completed. Take it right after
     * the agent's hello and before any session data reaches the guest: no secret may be in it.
     *
     * @param file where to write the snapshot
     * @param timeout how long the migration may take
     */
    public void saveSnapshot(Path file, Duration timeout) throws IOException, InterruptedException {
        try {
            Snapshots.save(qmp, config, file, timeout);
        } finally {
            // The source stays paused after migrating; it will never power off by itself.
            qemu.destroyForcibly();
            close();
        }
    }

    /**
     * Mounts the shared folders in the guest at {@code /sessions/<id>/mnt/<name>}. Call after a
     * restore (a mounted 9p share blocks migration, so snapshots are taken without mounts).
     *
     * @param sessionId the session id, naming the guest directory
     * @param timeout how long each mount may take
     */
    public void mountFolders(String sessionId, Duration timeout) throws IOException, InterruptedException {
        if (!sessionId.matches("[a-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("session id '" + sessionId + "' is not a plain id");
        }
        List<SharedFolder> folders = config.folders();
        for (int i = 0; i < folders.size(); i++) {
            SharedFolder f = folders.get(i);
            // The agent mounts (commands run under seccomp, which denies mount(2)) and binds the
            // folder into every later command's sandbox with this mode.
            agent.mount(QemuCommand.slotTag(i), guestPath(sessionId, f), f.readOnly(), timeout);
        }
    }

    /**
     * Gives every later command a read-only file at {@code guestPath} (for example the credential
     * broker's CA certificate). Commands run under bwrap with a read-only root, so they cannot write
     * it themselves; the agent keeps the file and binds it into each command's sandbox.
     *
     * @param guestPath the absolute path commands see; not under /proc, /dev or /sessions
     * @param data the contents (at most about 1 MiB: one frame)
     * @param timeout how long the guest may take
     */
    public void putFile(String guestPath, byte[] data, Duration timeout) throws IOException, InterruptedException {
        agent.putFile(guestPath, data, timeout);
    }

    /** The channel to the guest agent (package-private: for tests of the guest side). */
    AgentConnection agent() {
        return agent;
    }

    /** Where a shared folder appears in the guest. */
    public static String guestPath(String sessionId, SharedFolder f) {
        return "/sessions/" + sessionId + "/mnt/" + f.name();
    }

    /**
     * Where tunnels opened by programs in the guest (through the agent's local HTTP and SOCKS5
     * ports) lead on the host: normally the session's proxies.
     *
     * @param targets the host proxy of each kind
     */
    public void proxies(java.util.Map<Frame.ProxyKind, java.net.SocketAddress> targets) {
        agent.proxies(targets);
    }

    /** Freezes the guest's CPUs (QMP {@code stop}); the agent stops answering. */
    public void pause() throws IOException {
        qmp.execute("stop", java.util.Map.of());
    }

    /** Resumes the guest's CPUs (QMP {@code cont}). */
    public void resume() throws IOException {
        qmp.execute("cont", java.util.Map.of());
    }

    /** Whether the QEMU process is still running. */
    public boolean isAlive() {
        return qemu.isAlive();
    }

    /** Stops the VM: closes the channel (the guest powers off) and kills QEMU if it lingers. */
    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to; it kills QEMU anyway.
        }
        agent.close();
        qmp.close();
        try {
            // Nothing in the guest needs a clean shutdown (9p writes reach the host synchronously,
            // the snapshot is taken elsewhere), so QEMU gets a moment, not the guest's power-off.
            if (!qemu.waitFor(200, TimeUnit.MILLISECONDS)) {
                qemu.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            qemu.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
