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
    private final Frame.Hello hello;
    private final long bootNanos;

    private Vm(VmConfig config, Process qemu, AgentConnection agent, Frame.Hello hello, long bootNanos) {
        this.config = config;
        this.qemu = qemu;
        this.agent = agent;
        this.hello = hello;
        this.bootNanos = bootNanos;
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
        long t0 = System.nanoTime();
        Files.createDirectories(config.runtimeDir());
        Files.setPosixFilePermissions(config.runtimeDir(), PosixFilePermissions.fromString("rwx------"));
        Files.deleteIfExists(config.agentSocket());
        if (config.accelerator() == Accelerator.TCG) {
            LOG.log(System.Logger.Level.WARNING, "VM runs under TCG (software emulation): no usable KVM");
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Process qemu = null;
        AgentConnection agent = null;
        try (server) {
            server.bind(UnixDomainSocketAddress.of(config.agentSocket()));
            qemu = new ProcessBuilder(QemuCommand.build(config))
                    .redirectErrorStream(true)
                    .redirectOutput(config.qemuLog().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            long deadline = t0 + config.bootTimeout().toNanos();
            SocketChannel ch = accept(server, qemu, deadline);
            agent = new AgentConnection(ch);
            long left = Math.max(1, deadline - System.nanoTime());
            Frame.Hello h = agent.awaitHello(Duration.ofNanos(left));
            long boot = System.nanoTime() - t0;
            LOG.log(System.Logger.Level.INFO, "guest agent {0} ready after {1} ms", h.agent(), boot / 1_000_000);
            return new Vm(config, qemu, agent, h, boot);
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (agent != null) {
                agent.close();
            }
            if (qemu != null) {
                qemu.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            throw new IOException("VM boot failed: " + e.getMessage() + diagnostics(config), e);
        } finally {
            Files.deleteIfExists(config.agentSocket());
        }
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
     * One heartbeat round trip.
     *
     * @param timeout how long to wait for the reply
     * @return the round trip in nanoseconds
     */
    public long heartbeat(Duration timeout) throws IOException, InterruptedException {
        return agent.heartbeat(timeout);
    }

    /** Whether the QEMU process is still running. */
    public boolean isAlive() {
        return qemu.isAlive();
    }

    /** Stops the VM: closes the channel (the guest powers off) and kills QEMU if it lingers. */
    @Override
    public void close() throws IOException {
        agent.close();
        try {
            if (!qemu.waitFor(2, TimeUnit.SECONDS)) {
                qemu.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            qemu.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
