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
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.palisade.api.ExitEvent;
import dev.palisade.api.StartEvent;
import dev.palisade.paths.MountValidator;
import dev.palisade.paths.PathRefusedException;
import dev.palisade.paths.PathTranslator;
import dev.palisade.sys.Libc;
import dev.palisade.sys.NativeException;

/** Runs one command in a sandbox of the requested tier and reports how it ended. */
public final class Sandbox {
    private static final Pattern CHILD_PID = Pattern.compile("\"child-pid\"\\s*:\\s*(\\d+)");
    private static final System.Logger LOG = System.getLogger("palisade");

    private final RunRequest req;
    private final boolean forwardSignals;
    private final PathTranslator translator;

    private Sandbox(RunRequest req, boolean forwardSignals) {
        this.req = req;
        this.forwardSignals = forwardSignals;
        this.translator = new PathTranslator(req.sessionId(), req.mounts());
    }

    /**
     * Runs a command and waits for it.
     *
     * @param req what to run and how
     * @param forwardSignals whether SIGINT, SIGTERM and SIGHUP of this JVM go to the command
     * @return how it ended
     * @throws SandboxException when Palisade itself fails (status 125)
     */
    public static Outcome run(RunRequest req, boolean forwardSignals) throws SandboxException {
        return new Sandbox(req, forwardSignals).run();
    }

    private Outcome run() throws SandboxException {
        Instant started = Instant.now();
        Path sessions;
        try {
            sessions = RuntimeDirs.privateDir(RuntimeDirs.base().resolve("sessions"));
        } catch (IOException e) {
            throw new SandboxException("cannot create the runtime folder: " + e.getMessage(), e);
        }
        Path lockFile = sessions.resolve(req.sessionId() + ".lock");
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockChannel.tryLock()) {
            if (lock == null) {
                throw new SandboxException("session " + req.sessionId() + " is in use by another palisade process");
            }
            Path runtime = sessions.resolve(req.sessionId());
            RuntimeDirs.deleteTree(runtime);
            RuntimeDirs.privateDir(runtime);
            try {
                return runLocked(runtime, started);
            } finally {
                RuntimeDirs.deleteTree(runtime);
                Files.deleteIfExists(lockFile);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot prepare session " + req.sessionId() + ": " + e.getMessage(), e);
        }
    }

    private Outcome runLocked(Path runtime, Instant started) throws SandboxException, IOException {
        LaunchPlan plan = new LaunchPlan(req.tier());
        List<SandboxExtension> prepared = new ArrayList<>();
        FolderMasks masks = null;
        try {
            String cwd = req.mounts().isEmpty() ? translator.sessionHome() : translator.sandboxRoot(req.mounts().getFirst());
            if (req.tier() == Tier.NAMESPACE) {
                Path empty = Files.createDirectory(runtime.resolve("empty"));
                masks = new FolderMasks(translator, new MountValidator(Path.of("/"), req.home(), List.of()), empty);
                masks.plan(req.filesystem());
                empty.toFile().setWritable(false, false);
            }
            for (SandboxExtension ext : req.extensions()) {
                prepared.add(ext);
                ext.prepare(plan);
            }
            CommandResolver.Resolution found = resolve(cwd);
            if (!found.found()) {
                Outcome o = new Outcome(found.failureStatus(), 0,
                        found.failureStatus() == ExitStatus.NOT_FOUND ? "not-found" : "not-executable", found.message());
                emitExit(o, started);
                return o;
            }
            req.events().accept(new StartEvent(Instant.now(), req.sessionId(), req.tier().cliName(), req.argv(),
                    req.mounts().isEmpty() ? null : req.mounts().getFirst().hostPath().toString()));
            Outcome o = switch (req.tier()) {
                case NAMESPACE -> runNamespace(runtime, plan, masks, cwd, prepared);
                case DIRECT -> runDirect(plan, prepared);
                case VM -> throw new SandboxException("the vm tier is not built yet; use --tier namespace");
            };
            emitExit(o, started);
            return o;
        } catch (PathRefusedException e) {
            throw new SandboxException(e.getMessage(), e);
        } finally {
            for (SandboxExtension ext : prepared.reversed()) {
                try {
                    ext.close();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cleanup of " + ext.getClass().getSimpleName() + " failed: " + e);
                }
            }
            if (masks != null) {
                removePlaceholders(masks.placeholders());
            }
        }
    }

    private CommandResolver.Resolution resolve(String cwd) {
        String cmd = req.argv().getFirst();
        if (req.tier() == Tier.DIRECT) {
            String path = System.getenv().getOrDefault("PATH", CommandResolver.SANDBOX_PATH);
            Path hostCwd = req.mounts().isEmpty() ? Path.of("").toAbsolutePath() : req.mounts().getFirst().hostPath();
            return CommandResolver.resolve(cmd, hostCwd.toString(), path, p -> Optional.of(Path.of(p)));
        }
        return CommandResolver.resolve(cmd, cwd, CommandResolver.SANDBOX_PATH, this::sandboxToHost);
    }

    /** What an absolute path inside shows of the host: a folder's file, a system file, or nothing. */
    private Optional<Path> sandboxToHost(String inside) {
        Optional<Path> viaMount = translator.toHost(inside);
        if (viaMount.isPresent()) {
            return viaMount;
        }
        for (String sys : List.of("/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/")) {
            if (inside.startsWith(sys)) {
                return Optional.of(Path.of(inside));
            }
        }
        return Optional.empty();
    }

    private Outcome runNamespace(Path runtime, LaunchPlan plan, FolderMasks masks, String cwd,
            List<SandboxExtension> extensions) throws SandboxException, IOException {
        String bwrap = findBwrap();
        int[] info = Libc.pipe();
        int[] block = Libc.pipe();
        List<Integer> fds = new ArrayList<>(plan.passedFds());
        int infoChild = plan.passFd(info[1]);
        int blockChild = plan.passFd(block[0]);
        fds.add(info[1]);
        fds.add(block[0]);
        List<String> argv = new ArrayList<>();
        argv.add(bwrap);
        argv.addAll(BwrapArgs.build(translator, runtime, masks, cwd));
        argv.addAll(plan.bwrapArgs());
        argv.addAll(List.of("--info-fd", Integer.toString(infoChild), "--block-fd", Integer.toString(blockChild), "--"));
        argv.addAll(req.argv());
        RunningCommand rc;
        try {
            rc = RunningCommand.start("palisade-" + req.sessionId(), bwrap, argv, sandboxEnv(plan), null, fds, false);
        } finally {
            Libc.closeQuietly(info[1]);
            Libc.closeQuietly(block[0]);
        }
        if (forwardSignals) {
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
            rc.signalTarget(commandPid(sandboxPid));
            int raw = rc.await();
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

    private Outcome runDirect(LaunchPlan plan, List<SandboxExtension> extensions) throws SandboxException, IOException {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.putAll(req.env());
        env.putAll(plan.env());
        env.put("PALISADE_SESSION", req.sessionId());
        String cwd = req.mounts().isEmpty() ? null : req.mounts().getFirst().hostPath().toString();
        String cmd = req.argv().getFirst();
        String path = cmd.contains("/") ? cmd : which(cmd, env.getOrDefault("PATH", CommandResolver.SANDBOX_PATH));
        RunningCommand rc = RunningCommand.start("palisade-" + req.sessionId(), path, req.argv(), envList(env), cwd,
                plan.passedFds(), true);
        rc.signalTarget(rc.pid());
        if (forwardSignals) {
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
        return outcome(rc.await());
    }

    private static String which(String cmd, String path) {
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, cmd);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p.toAbsolutePath().toString();
            }
        }
        return cmd;
    }

    private List<String> sandboxEnv(LaunchPlan plan) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", CommandResolver.SANDBOX_PATH);
        env.put("HOME", translator.sessionHome());
        String user = Libc.geteuid() == 0 ? "root" : "user";
        env.put("USER", user);
        env.put("LOGNAME", user);
        env.put("SHELL", "/bin/bash");
        env.put("TMPDIR", "/tmp");
        env.put("PALISADE_SESSION", req.sessionId());
        // Terminal and locale settings describe the user's terminal, not the host: safe to pass.
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            String k = e.getKey();
            if (k.equals("TERM") || k.equals("COLORTERM") || k.equals("LANG") || k.equals("LANGUAGE")
                    || k.startsWith("LC_") || k.equals("TZ")) {
                env.put(k, e.getValue());
            }
        }
        env.putAll(req.env());
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

    private void emitExit(Outcome o, Instant started) {
        Instant now = Instant.now();
        req.events().accept(new ExitEvent(now, req.sessionId(), o.status(), o.signal(), o.reason(),
                Duration.between(started, now)));
    }

    private static String findBwrap() throws SandboxException {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/bin:/bin").split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "bwrap");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new SandboxException("bwrap not found: install bubblewrap (apt-get install bubblewrap),"
                + " or use --tier direct for an unisolated debugging run");
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
