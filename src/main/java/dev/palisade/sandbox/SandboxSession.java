package dev.palisade.sandbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.palisade.api.EventSink;
import dev.palisade.api.ExitEvent;
import dev.palisade.api.StartEvent;
import dev.palisade.guard.GuardRules;
import dev.palisade.guard.GuardedFolder;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.paths.MountValidator;
import dev.palisade.paths.PathRefusedException;
import dev.palisade.paths.PathTranslator;
import dev.palisade.sys.Libc;
import dev.palisade.sys.NativeException;
import dev.palisade.vm.SharedFolder;
import dev.palisade.vm.VmConfig;
import dev.palisade.vm.VmSettings;
import dev.palisade.vm.VmTier;
import dev.palisade.vm.VmUnavailableException;

/**
 * An open session: its private runtime folder (locked, so one id is one session), its folder masks
 * and its bwrap options, computed once; commands run in it one after another or side by side.
 * Closing it removes the runtime folder and the mount placeholders, which must outlive every
 * command: deleting a mount point would lift the mask inside a sandbox that still runs.
 */
public final class SandboxSession implements AutoCloseable {
    private static final Pattern CHILD_PID = Pattern.compile("\"child-pid\"\\s*:\\s*(\\d+)");
    private static final System.Logger LOG = System.getLogger("palisade");

    private final SessionSpec spec;
    private final PathTranslator translator;
    private final Path runtime;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Path lockFile;
    private final FolderMasks masks;
    private final List<String> baseArgs;
    /** The file guard's views of the read-write folders, by folder name; unmounted at close. */
    private final Map<String, GuardedFolder> guarded = new LinkedHashMap<>();
    /** The session's VM (vm tier), else null. */
    private final VmTier vm;
    /** Where the VM's failures and restarts go: the events of the command running now. */
    private volatile EventSink vmEvents = EventSink.NONE;
    /** Where the VM's failures and restarts also go whatever command runs (the daemon's session events). */
    private volatile EventSink sessionVmEvents = EventSink.NONE;

    private SandboxSession(SessionSpec spec, Path runtime, FileChannel lockChannel, FileLock lock, Path lockFile,
            VmSettings vmSettings, Consumer<String> warnings) throws IOException, PathRefusedException, SandboxException {
        this.spec = spec;
        this.translator = new PathTranslator(spec.id(), spec.mounts());
        this.runtime = runtime;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.lockFile = lockFile;
        if (spec.tier() == Tier.NAMESPACE) {
            try {
                mountGuards();
                this.masks = planMasks(translator, spec, runtime, guarded.keySet());
                Path hostHome = null;
                if (spec.persistentHome()) {
                    hostHome = RuntimeDirs.privateDir(runtime.resolve("home"));
                }
                Map<String, Path> sources = new LinkedHashMap<>();
                guarded.forEach((name, view) -> sources.put(name, view.mountpoint()));
                this.baseArgs = BwrapArgs.build(translator, runtime, masks, hostHome, spec.tmpfs(), sources);
            } catch (IOException | PathRefusedException | RuntimeException e) {
                unmountGuards();
                throw e;
            }
            this.vm = null;
        } else if (spec.tier() == Tier.VM) {
            this.masks = null;
            this.baseArgs = List.of();
            try {
                mountGuards();
                this.vm = openVm(vmSettings, warnings);
            } catch (IOException | PathRefusedException | SandboxException | RuntimeException e) {
                unmountGuards();
                throw e;
            }
        } else {
            this.masks = null;
            this.baseArgs = List.of();
            this.vm = null;
        }
    }

    /**
     * Starts the session's VM with its folders shared over 9p: read-only folders as themselves
     * (QEMU enforces read-only), read-write ones as their file-guard views, so blocked file types,
     * protected paths and denyWrite are enforced on the host whatever the guest kernel does.
     * Rules that the namespace tier enforces with bind masks inside a folder (denyRead,
     * allowWrite inside a read-only folder, write rules without the guard) have no 9p equivalent
     * yet: such a session is refused rather than run with a rule silently dropped.
     */
    private VmTier openVm(VmSettings settings, Consumer<String> warnings) throws IOException, PathRefusedException,
            SandboxException {
        for (Mount m : spec.mounts()) {
            if (m.access() == Access.RW && !guarded.containsKey(m.name())) {
                throw new SandboxException("the vm tier shares read-write folders only through the file guard, which"
                        + " enforces blocked file types and write rules on the host; run without --no-file-guard"
                        + " (folder " + m.hostPath() + ")");
            }
        }
        FolderMasks planned = planMasks(translator, spec, runtime, guarded.keySet());
        List<String> maskArgs = planned.bwrapArgs();
        if (!maskArgs.isEmpty()) {
            throw new SandboxException("the vm tier cannot enforce this filesystem rule inside a shared folder yet"
                    + " (filesystem.denyRead, or allowWrite inside a read-only folder): "
                    + maskArgs.get(maskArgs.size() - 1) + "; use --tier namespace");
        }
        List<SharedFolder> folders = new ArrayList<>();
        for (Mount m : spec.mounts()) {
            GuardedFolder view = guarded.get(m.name());
            folders.add(view != null ? new SharedFolder(view.mountpoint(), m.name(), false, true)
                    : new SharedFolder(m.hostPath(), m.name(), m.access() == Access.RO));
        }
        if (folders.size() > VmConfig.FOLDER_SLOTS) {
            throw new SandboxException("the vm tier shares at most " + VmConfig.FOLDER_SLOTS + " folders, got "
                    + folders.size());
        }
        try {
            return VmTier.open(settings, spec.id(), runtime, folders, e -> {
                vmEvents.accept(e);
                sessionVmEvents.accept(e);
            }, warnings);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while starting the VM", e);
        }
    }

    /**
     * Also sends the VM's failures and restarts ({@link dev.palisade.api.VmEvent}) to {@code sink},
     * whichever command runs: for a host that follows the session, not one command.
     *
     * @param sink the session-wide receiver
     */
    public void vmEvents(EventSink sink) {
        sessionVmEvents = Objects.requireNonNull(sink, "sink");
    }

    /** The session's VM (vm tier only), for its restart count and state. */
    public Optional<VmTier> vm() {
        return Optional.ofNullable(vm);
    }

    /**
     * Opens a session.
     *
     * @param spec the session
     * @return the open session
     * @throws SandboxException if the id is in use, a rule cannot be honoured, or the runtime
     *     folder cannot be made
     */
    public static SandboxSession open(SessionSpec spec) throws SandboxException {
        return open(spec, VmSettings.defaults(null), w -> System.err.println("palisade: WARNING: " + w));
    }

    /**
     * Opens a session; a vm-tier session starts its VM here (restored from the image's snapshot).
     *
     * @param spec the session
     * @param vmSettings the vm tier's settings (ignored by the other tiers)
     * @param warnings receives one-line warnings for the user (TCG, a remade snapshot)
     * @return the open session
     * @throws SandboxException if the id is in use, a rule cannot be honoured, the runtime folder
     *     cannot be made, or the VM cannot start (no image installed: the message says how to
     *     build and install one)
     */
    public static SandboxSession open(SessionSpec spec, VmSettings vmSettings, Consumer<String> warnings)
            throws SandboxException {
        Objects.requireNonNull(vmSettings, "vmSettings");
        Objects.requireNonNull(warnings, "warnings");
        Path sessions;
        try {
            sessions = RuntimeDirs.privateDir(RuntimeDirs.base().resolve("sessions"));
        } catch (IOException e) {
            throw new SandboxException("cannot create the runtime folder: " + e.getMessage(), e);
        }
        Path lockFile = sessions.resolve(spec.id() + ".lock");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null; // held by this same JVM: another open session of this id
            }
            if (lock == null) {
                throw new SandboxException("session " + spec.id() + " is in use by another palisade process");
            }
            Path runtime = sessions.resolve(spec.id());
            RuntimeDirs.deleteTree(runtime);
            RuntimeDirs.privateDir(runtime);
            return new SandboxSession(spec, runtime, channel, lock, lockFile, vmSettings, warnings);
        } catch (VmUnavailableException e) {
            closeQuietly(channel);
            throw new SandboxException(e.getMessage(), e);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new SandboxException("cannot prepare session " + spec.id() + ": " + e.getMessage(), e);
        } catch (PathRefusedException e) {
            closeQuietly(channel);
            throw new SandboxException(e.getMessage(), e);
        } catch (SandboxException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // Already failing; the first error is the one to report.
        }
    }

    /** Mounts the file guard's view of every read-write folder, when the session has a guard. */
    private void mountGuards() throws IOException {
        FolderGuard guard = spec.guard();
        if (guard == null) {
            return;
        }
        for (Mount m : spec.mounts()) {
            if (m.access() != Access.RW) {
                continue;
            }
            GuardRules rules = new GuardRules(guard.blockedFileTypes(),
                    GuardRules.patternsFor(m.hostPath(), spec.filesystem().denyWrite()),
                    GuardRules.patternsFor(m.hostPath(), spec.filesystem().protectedPaths()),
                    guard.keepHistoryBytes());
            try {
                guarded.put(m.name(), GuardedFolder.mount(spec.id(), m.hostPath(), rules,
                        guard.historyRoot().resolve(m.name()), guard.events()));
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " (the file guard needs FUSE: apt-get install fuse3 libfuse3-3;"
                        + " or run without it: --no-file-guard, or \"filesystem\": {\"guard\": false})", e);
            }
        }
    }

    private void unmountGuards() {
        for (GuardedFolder view : guarded.values()) {
            try {
                view.close();
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "could not unmount the file guard of " + view.hostFolder() + ": " + e);
            }
        }
        guarded.clear();
    }

    static FolderMasks planMasks(PathTranslator translator, SessionSpec spec, Path runtime)
            throws IOException, PathRefusedException {
        return planMasks(translator, spec, runtime, java.util.Set.of());
    }

    static FolderMasks planMasks(PathTranslator translator, SessionSpec spec, Path runtime, java.util.Set<String> guarded)
            throws IOException, PathRefusedException {
        Path empty = runtime.resolve("empty");
        Files.createDirectories(empty);
        FolderMasks masks = new FolderMasks(translator, new MountValidator(Path.of("/"), spec.userHome(), List.of()), empty,
                guarded);
        masks.plan(spec.filesystem());
        empty.toFile().setWritable(false, false);
        return masks;
    }

    /** The session's spec. */
    public SessionSpec spec() {
        return spec;
    }

    /** The session's path translator. */
    public PathTranslator translator() {
        return translator;
    }

    /** The bwrap options every command of this session starts with (namespace tier). */
    List<String> baseArgs() {
        return baseArgs;
    }

    /** The default working directory inside: the first folder, else the session home. */
    public String defaultCwd() {
        return spec.mounts().isEmpty() ? translator.sessionHome() : translator.sandboxRoot(spec.mounts().getFirst());
    }

    /**
     * Runs a command and waits for it.
     *
     * @param exec the command
     * @return how it ended
     * @throws SandboxException when Palisade itself fails (status 125)
     */
    public Outcome run(Exec exec) throws SandboxException {
        return run(exec, new CommandHandle());
    }

    /**
     * Runs a command and waits for it; another thread may signal it through {@code handle}.
     *
     * @param exec the command
     * @param handle attached while the command runs, detached when it has ended
     * @return how it ended
     * @throws SandboxException when Palisade itself fails (status 125)
     */
    public Outcome run(Exec exec, CommandHandle handle) throws SandboxException {
        try {
            return launch(exec, handle);
        } finally {
            handle.detach();
        }
    }

    private Outcome launch(Exec exec, CommandHandle handle) throws SandboxException {
        Instant started = Instant.now();
        LaunchPlan plan = new LaunchPlan(spec.tier(), exec.stdio());
        List<SandboxExtension> prepared = new ArrayList<>();
        String cwd = exec.cwd() != null ? exec.cwd() : defaultCwd();
        try {
            for (SandboxExtension ext : exec.extensions()) {
                prepared.add(ext);
                ext.prepare(plan);
            }
            // In the vm tier the guest's own file system decides (its agent reports 126/127).
            CommandResolver.Resolution found = spec.tier() == Tier.VM ? null : resolve(exec.argv().getFirst(), cwd);
            if (found != null && !found.found()) {
                Outcome o = new Outcome(found.failureStatus(), 0,
                        found.failureStatus() == ExitStatus.NOT_FOUND ? "not-found" : "not-executable", found.message());
                emitExit(exec, o, started);
                return o;
            }
            String hostCwd = spec.tier() == Tier.DIRECT ? directCwd(cwd) : translator.toHost(cwd).map(Path::toString).orElse(null);
            exec.events().accept(new StartEvent(Instant.now(), spec.id(), spec.tier().cliName(), exec.argv(), hostCwd));
            Outcome o = switch (spec.tier()) {
                case NAMESPACE -> runNamespace(exec, plan, cwd, prepared, handle);
                case DIRECT -> runDirect(exec, plan, cwd, prepared, handle);
                // The handle (daemon signals) reaches the guest process through the agent.
                case VM -> runVm(exec, plan, cwd, handle);
            };
            for (SandboxExtension ext : prepared) {
                o = ext.ended(o);
            }
            emitExit(exec, o, started);
            return o;
        } catch (IOException e) {
            throw new SandboxException(e.getMessage(), e);
        } finally {
            for (SandboxExtension ext : prepared.reversed()) {
                try {
                    ext.close();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cleanup of " + ext.getClass().getSimpleName() + " failed: " + e);
                }
            }
        }
    }

    private Outcome runVm(Exec exec, LaunchPlan plan, String cwd, CommandHandle handle) throws SandboxException {
        // The VM's failures and restarts go to the latest command's events, also after it ended.
        vmEvents = exec.events();
        return VmRun.run(vm, exec, plan, cwd, sandboxEnv(exec, plan), handle);
    }

    private String directCwd(String cwd) {
        return translator.toHost(cwd).map(Path::toString).orElse(null);
    }

    private CommandResolver.Resolution resolve(String cmd, String cwd) {
        if (spec.tier() == Tier.DIRECT) {
            String path = System.getenv().getOrDefault("PATH", CommandResolver.SANDBOX_PATH);
            String hostCwd = Optional.ofNullable(directCwd(cwd)).orElse(Path.of("").toAbsolutePath().toString());
            return CommandResolver.resolve(cmd, hostCwd, path, p -> Optional.of(Path.of(p)));
        }
        return CommandResolver.resolve(cmd, cwd, CommandResolver.SANDBOX_PATH, this::sandboxToHost);
    }

    /** What an absolute path inside shows of the host: a folder's file, a system file, or nothing. */
    private Optional<Path> sandboxToHost(String inside) {
        Optional<Path> viaMount = translator.toHost(inside);
        if (viaMount.isPresent()) {
            return viaMount;
        }
        for (String sys : BwrapArgs.SYSTEM) {
            if (inside.startsWith(sys + "/")) {
                return Optional.of(Path.of(inside));
            }
        }
        return Optional.empty();
    }

    private Outcome runNamespace(Exec exec, LaunchPlan plan, String cwd, List<SandboxExtension> extensions,
            CommandHandle handle) throws SandboxException, IOException {
        String bwrap = Bwrap.find();
        int[] info = Libc.pipe();
        int[] block = Libc.pipe();
        List<Integer> fds = new ArrayList<>(plan.passedFds());
        int infoChild = plan.passFd(info[1]);
        int blockChild = plan.passFd(block[0]);
        fds.add(info[1]);
        fds.add(block[0]);
        List<String> argv = new ArrayList<>();
        argv.add(bwrap);
        argv.addAll(baseArgs);
        argv.addAll(List.of("--chdir", cwd));
        argv.addAll(plan.bwrapArgs());
        argv.addAll(BwrapArgs.FINISH);
        argv.addAll(List.of("--info-fd", Integer.toString(infoChild), "--block-fd", Integer.toString(blockChild), "--"));
        argv.addAll(exec.argv());
        RunningCommand rc;
        try {
            rc = RunningCommand.start("palisade-" + spec.id(), bwrap, argv, sandboxEnv(exec, plan), null,
                    plan.spawnStdio(), fds, false);
        } finally {
            Libc.closeQuietly(info[1]);
            Libc.closeQuietly(block[0]);
        }
        handle.spawned(rc);
        if (exec.forwardSignals()) {
            Signals.install(rc::signal);
        }
        try {
            int sandboxPid = readChildPid(info[0]);
            if (sandboxPid < 0) {
                int raw = rc.await();
                throw new SandboxException("bwrap failed to set up the sandbox (exit status " + ExitStatus.of(raw)
                        + "; its message is above). Run 'palisade doctor' to check the host.");
            }
            for (SandboxExtension ext : extensions) {
                ext.attach(sandboxPid);
            }
            Libc.writeAll(block[1], new byte[] {1});
            Libc.close(block[1]);
            block[1] = -1;
            // bwrap's --new-session makes its init (child-pid, pid 1 inside) the leader of the session
            // and process group the command and all its children belong to; signals go to that group.
            // Init itself only gets signals it has a handler for from outside its pid namespace
            // (pid_namespaces(7)), so it is not killed by a SIGTERM meant for the command. Waiting
            // for the command to exist means init has called setsid(2) and the group exists.
            commandPid(sandboxPid);
            rc.signalTarget(sandboxPid);
            handle.attach(rc);
            int raw = rc.await();
            handle.detach();
            return outcome(raw);
        } catch (IOException | SandboxException e) {
            rc.kill();
            rc.await();
            throw e instanceof SandboxException se ? se : new SandboxException(e.getMessage(), e);
        } finally {
            Libc.closeQuietly(info[0]);
            Libc.closeQuietly(block[1]);
        }
    }

    /** The command's host pid: bwrap's init is the sandbox's first process, the command its child. */
    private static int commandPid(int sandboxPid) {
        for (int i = 0; i < 200; i++) {
            int child = RunningCommand.firstChild(sandboxPid);
            if (child > 0) {
                return child;
            }
            if (!Files.exists(Path.of("/proc", Integer.toString(sandboxPid)))) {
                break;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return sandboxPid;
    }

    private Outcome runDirect(Exec exec, LaunchPlan plan, String cwd, List<SandboxExtension> extensions,
            CommandHandle handle) throws SandboxException, IOException {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.putAll(exec.env());
        env.putAll(plan.env());
        env.put("PALISADE_SESSION", spec.id());
        String hostCwd = directCwd(cwd);
        String cmd = exec.argv().getFirst();
        String path = cmd.contains("/") ? cmd
                : Executables.find(cmd, env.getOrDefault("PATH", CommandResolver.SANDBOX_PATH)).map(Path::toString).orElse(cmd);
        RunningCommand rc = RunningCommand.start("palisade-" + spec.id(), path, exec.argv(), envList(env), hostCwd,
                plan.spawnStdio(), plan.passedFds(), true);
        rc.signalTarget(rc.pid());
        handle.spawned(rc);
        handle.attach(rc);
        if (exec.forwardSignals()) {
            Signals.install(rc::signal);
        }
        try {
            for (SandboxExtension ext : extensions) {
                ext.attach(rc.pid());
            }
        } catch (IOException e) {
            rc.kill();
            rc.await();
            throw new SandboxException(e.getMessage(), e);
        }
        int raw = rc.await();
        handle.detach();
        return outcome(raw);
    }

    private List<String> sandboxEnv(Exec exec, LaunchPlan plan) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", CommandResolver.SANDBOX_PATH);
        env.put("HOME", translator.sessionHome());
        String user = Libc.geteuid() == 0 ? "root" : "user";
        env.put("USER", user);
        env.put("LOGNAME", user);
        env.put("SHELL", "/bin/bash");
        env.put("TMPDIR", "/tmp");
        env.put("PALISADE_SESSION", spec.id());
        // Terminal and locale settings describe the user's terminal, not the host: safe to pass.
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            String k = e.getKey();
            if (k.equals("TERM") || k.equals("COLORTERM") || k.equals("LANG") || k.equals("LANGUAGE")
                    || k.startsWith("LC_") || k.equals("TZ")) {
                env.put(k, e.getValue());
            }
        }
        env.putAll(exec.env());
        env.putAll(plan.env());
        return envList(env);
    }

    private static List<String> envList(Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            out.add(e.getKey() + "=" + e.getValue());
        }
        return out;
    }

    /** Reads bwrap's --info-fd JSON until the child pid is known; -1 if bwrap ended first. */
    private static int readChildPid(int fd) throws NativeException {
        StringBuilder text = new StringBuilder();
        while (text.length() < 65536) {
            byte[] chunk = Libc.read(fd, 4096);
            if (chunk.length == 0) {
                break;
            }
            text.append(new String(chunk, StandardCharsets.UTF_8));
            Matcher m = CHILD_PID.matcher(text);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return -1;
    }

    private static Outcome outcome(int raw) {
        int signal = ExitStatus.signalOf(raw);
        int status = ExitStatus.of(raw);
        if (signal == 0 && status > 128 && status < 128 + 65) {
            // bwrap reports a command killed by signal N as exit status 128+N.
            return new Outcome(status, status - 128, "signaled", "");
        }
        return new Outcome(status, signal, signal == 0 ? "exited" : "signaled", "");
    }

    private void emitExit(Exec exec, Outcome o, Instant started) {
        Instant now = Instant.now();
        exec.events().accept(new ExitEvent(now, spec.id(), o.status(), o.signal(), o.reason(),
                Duration.between(started, now)));
    }

    /** Removes the mount placeholders and the runtime folder, and releases the session id. */
    @Override
    public void close() {
        if (vm != null) {
            try {
                vm.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not stop the VM of session " + spec.id() + ": " + e.getMessage());
            }
        }
        unmountGuards();
        if (masks != null) {
            removePlaceholders(masks.placeholders());
        }
        RuntimeDirs.deleteTree(runtime);
        try {
            Files.deleteIfExists(lockFile);
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not release session " + spec.id() + ": " + e.getMessage());
        }
    }

    private static void removePlaceholders(List<Path> placeholders) {
        for (Path p : placeholders.reversed()) {
            try {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    try (var entries = Files.list(p)) {
                        if (entries.findAny().isPresent()) {
                            continue;
                        }
                    }
                    Files.deleteIfExists(p);
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.size(p) == 0) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not remove mount placeholder " + p + ": " + e.getMessage());
            }
        }
    }
}
