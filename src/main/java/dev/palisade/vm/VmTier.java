package dev.palisade.vm;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import dev.palisade.api.EventSink;
import dev.palisade.api.VmEvent;
import dev.palisade.image.InstalledImage;

/**
 * One session's VM: picks the installed image, decides KVM or TCG (a cached test boot), restores
 * the image's ready snapshot (made with one cold boot the first time, remade when it cannot be
 * restored), gives the guest the session's identity, mounts the session's folders and keeps the VM
 * alive with a heartbeat. A VM that stops answering is killed ("failed" event; its commands are
 * lost) and a fresh one restored for the same session ("restarted" event). QEMU always runs
 * inside bwrap ({@link QemuJail}). There is never a fallback to a weaker tier.
 */
public final class VmTier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VmTier.class.getName());

    private final VmSettings settings;
    private final String sessionId;
    private final InstalledImage image;
    private final KvmProbe.Verdict verdict;
    private final VmConfig config;
    private final VmConfig template;
    private final SnapshotCache snapshots;
    private final Consumer<String> warnings;
    private final VmSupervisor supervisor;
    private volatile Map<Frame.ProxyKind, SocketAddress> proxies = Map.of();
    private volatile boolean closing;

    private VmTier(VmSettings settings, String sessionId, InstalledImage image, KvmProbe.Verdict verdict,
            VmConfig config, VmConfig template, SnapshotCache snapshots, Consumer<String> warnings, EventSink events) {
        this.settings = settings;
        this.sessionId = sessionId;
        this.image = image;
        this.verdict = verdict;
        this.config = config;
        this.template = template;
        this.snapshots = snapshots;
        this.warnings = warnings;
        this.supervisor = new VmSupervisor(this::bootSession, settings.heartbeatFor(verdict.accelerator()),
                settings.maxMissed(),
                cause -> events.accept(new VmEvent(Instant.now(), sessionId, "failed", supervisorRestarts(), cause)),
                r -> events.accept(new VmEvent(r.at(), sessionId, "restarted", r.count(), r.cause())));
    }

    private int supervisorRestarts() {
        return supervisor == null ? 0 : supervisor.restarts();
    }

    /**
     * Starts a session's VM and waits until it is ready for commands.
     *
     * @param settings the host's vm tier settings
     * @param sessionId the session id (the guest's hostname, the folder under /sessions)
     * @param runtimeDir a private (0700) folder of the session for QEMU's sockets and logs
     * @param folders the session's folders, in order (read-write ones as their file-guard views)
     * @param events receives the VM's failures and restarts
     * @param warnings receives one-line warnings for the user (TCG, a remade snapshot)
     * @return the running session VM
     * @throws VmUnavailableException when no image is installed or QEMU or bwrap is missing
     * @throws IOException when the VM cannot be started
     */
    public static VmTier open(VmSettings settings, String sessionId, Path runtimeDir, List<SharedFolder> folders,
            EventSink events, Consumer<String> warnings) throws IOException, InterruptedException {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(warnings, "warnings");
        if (!Files.isExecutable(settings.qemu())) {
            throw new VmUnavailableException(settings.qemu() + " is not installed; the vm tier needs QEMU "
                    + "(Debian: apt-get install qemu-system-x86)");
        }
        QemuJail.bwrap();
        InstalledImage image = VmImages.select(settings.imageStore(), settings.image());
        KvmProbe.Verdict verdict = verdict(settings, image);
        if (verdict.accelerator() == Accelerator.TCG) {
            warnings.accept("the vm tier runs under TCG (software emulation, many times slower than KVM): "
                    + verdict.reason());
        }
        Duration boot = verdict.accelerator() == Accelerator.KVM ? Duration.ofSeconds(60) : Duration.ofSeconds(240);
        Duration restore = verdict.accelerator() == Accelerator.KVM ? Duration.ofSeconds(20) : Duration.ofSeconds(90);
        VmConfig config = new VmConfig(settings.qemu(), verdict.accelerator(), image.kernel(), image.initramfs(),
                runtimeDir.resolve("vm"), settings.memoryMiB(), restore, folders);
        VmConfig template = new VmConfig(settings.qemu(), verdict.accelerator(), image.kernel(), image.initramfs(),
                runtimeDir.resolve("vm-template"), settings.memoryMiB(), boot);
        SnapshotCache snapshots = SnapshotCache.of(settings.snapshotDir(), image, template,
                SnapshotCache.qemuVersion(settings.qemu(), settings.snapshotDir().resolve("qemu-version")));
        VmTier tier = new VmTier(settings, sessionId, image, verdict, config, template, snapshots, warnings, events);
        tier.supervisor.start();
        return tier;
    }

    /** KVM or TCG for an image, from the cached verdict or a test boot with KVM. */
    static KvmProbe.Verdict verdict(VmSettings settings, InstalledImage image) throws IOException, InterruptedException {
        String host = Files.readString(Path.of("/proc/sys/kernel/osrelease"), StandardCharsets.US_ASCII).strip();
        return KvmProbe.decide(settings.devKvm(), settings.cacheDir().resolve("kvm-verdict"),
                host + " " + image.manifest().installName(), () -> {
                    Path dir = Files.createTempDirectory("palisade-kvm-probe-");
                    try (Vm vm = Vm.boot(new VmConfig(settings.qemu(), Accelerator.KVM, image.kernel(), image.initramfs(),
                            dir, settings.memoryMiB(), Duration.ofSeconds(30)))) {
                        return vm.hello() != null;
                    } finally {
                        try (var walk = Files.walk(dir)) {
                            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                                Files.deleteIfExists(p);
                            }
                        }
                    }
                });
    }

    /**
     * One line for {@code palisade doctor}: KVM or TCG and why. Runs the KVM test boot when
     * /dev/kvm is usable, an image is installed and no verdict is cached.
     *
     * @param settings the host's settings
     * @return the line
     */
    public static String describeAccelerator(VmSettings settings) throws InterruptedException {
        Path kvm = settings.devKvm();
        try {
            KvmProbe.Verdict v;
            if (!Files.exists(kvm) || !Files.isReadable(kvm) || !Files.isWritable(kvm)) {
                // Decided without a test boot, so without an image.
                v = KvmProbe.decide(kvm, settings.cacheDir().resolve("kvm-verdict"), "no-image", () -> false);
            } else {
                v = verdict(settings, VmImages.select(settings.imageStore(), settings.image()));
            }
            return "vm tier accelerator: " + v.accelerator() + " — " + v.reason() + (v.cached() ? " (cached)" : "");
        } catch (VmUnavailableException e) {
            return "vm tier accelerator: undecided — " + kvm + " exists; install an image (palisade image build,"
                    + " palisade image install) so that a KVM test boot can decide";
        } catch (IOException e) {
            return "vm tier accelerator: undecided — " + e.getMessage();
        }
    }

    private Vm bootSession(int attempt) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path snap = snapshots.ensure(template, template.bootTimeout(), warnings);
        Vm vm;
        try {
            vm = Vm.restore(config, snap, sessionId);
        } catch (IOException e) {
            if (closing) {
                throw e; // the session is closing: not the snapshot's fault
            }
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            String msg = "the VM snapshot " + snap + " could not be restored (" + first
                    + "); remaking it with a cold boot";
            LOG.log(System.Logger.Level.WARNING, msg + "\n" + e.getMessage());
            warnings.accept(msg);
            snapshots.discard();
            snap = snapshots.ensure(template, template.bootTimeout(), warnings);
            vm = Vm.restore(config, snap, sessionId);
        }
        long restored = System.nanoTime();
        try {
            vm.mountFolders(sessionId, config.bootTimeout());
            vm.proxies(proxies);
            LOG.log(System.Logger.Level.DEBUG, "session {0}: restored in {1} ms, folders mounted in {2} ms", sessionId,
                    (restored - t0) / 1_000_000, (System.nanoTime() - restored) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            vm.close();
            throw e;
        }
        if (attempt > 0) {
            LOG.log(System.Logger.Level.WARNING, "session {0}: VM restarted from the snapshot", sessionId);
        }
        return vm;
    }

    /**
     * Where programs in the guest reach through the agent's local proxy ports: the session's
     * HTTP and SOCKS5 proxies. Applies to the current VM and to every restarted one.
     *
     * @param targets the host proxy of each kind
     */
    public void proxies(Map<Frame.ProxyKind, SocketAddress> targets) {
        proxies = Map.copyOf(targets);
        supervisor.vm().proxies(proxies);
    }

    /**
     * Starts a command in the guest; its output streams to {@code sink}.
     *
     * @param argv the command and arguments
     * @param env the environment
     * @param cwd the working directory in the guest
     * @param sink receives standard output and error
     * @return the running command
     */
    public GuestProcess start(List<String> argv, List<String> env, String cwd, OutputSink sink) throws IOException {
        return supervisor.vm().start(argv, env, cwd, sink);
    }

    /** The VM currently in service (it changes when the VM is restarted). */
    public Vm vm() {
        return supervisor.vm();
    }

    /** Restart count and last cause. */
    public VmSupervisor supervisor() {
        return supervisor;
    }

    /** The image in use. */
    public InstalledImage image() {
        return image;
    }

    /** KVM or TCG, and why. */
    public KvmProbe.Verdict verdict() {
        return verdict;
    }

    /** The image's snapshot file on this host and accelerator. */
    public Path snapshotFile() {
        return snapshots.file();
    }

    /** The settings this VM was started with. */
    public VmSettings settings() {
        return settings;
    }

    /**
     * The snapshot file a session with these settings would use, for tests and diagnostics.
     *
     * @param settings the settings
     * @return the path (the file may not exist)
     */
    public static Path snapshotFile(VmSettings settings) throws IOException, InterruptedException {
        InstalledImage image = VmImages.select(settings.imageStore(), settings.image());
        KvmProbe.Verdict v = verdict(settings, image);
        Duration boot = v.accelerator() == Accelerator.KVM ? Duration.ofSeconds(60) : Duration.ofSeconds(240);
        VmConfig template = new VmConfig(settings.qemu(), v.accelerator(), image.kernel(), image.initramfs(),
                Path.of("/tmp/unused"), settings.memoryMiB(), boot);
        return SnapshotCache.of(settings.snapshotDir(), image, template, SnapshotCache.qemuVersion(settings.qemu(), settings.snapshotDir().resolve("qemu-version"))).file();
    }

    /** Stops the heartbeat and the VM. */
    @Override
    public void close() throws IOException {
        closing = true;
        supervisor.close();
    }
}
