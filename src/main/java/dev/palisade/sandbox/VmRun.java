package dev.palisade.sandbox;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.palisade.net.NetworkBridge;
import dev.palisade.sys.Libc;
import dev.palisade.vm.ExecResult;
import dev.palisade.vm.Frame;
import dev.palisade.vm.GuestProcess;
import dev.palisade.vm.VmTier;

/**
 * Runs one command of a vm-tier session in the guest, with the namespace tier's contract: the
 * launcher's stdin, stdout and stderr streamed both ways, SIGINT/SIGTERM/SIGHUP forwarded, the
 * command's own status or 128+N. A command whose VM fails under it (missed heartbeats, QEMU gone)
 * is lost: status 125 with a message, never a status the command did not return.
 */
final class VmRun {
    /** No limit of its own: a command may run as long as the session (limits come from extensions). */
    private static final Duration FOREVER = Duration.ofDays(3650);

    private VmRun() {
    }

    static Outcome run(VmTier vm, Exec exec, LaunchPlan plan, String cwd, List<String> env, CommandHandle handle)
            throws SandboxException {
        vm.proxies(proxies(plan.tunnels()));
        copyReadOnlyFiles(vm, plan.bwrapArgs());
        int[] stdio = plan.stdio();
        GuestProcess p;
        try {
            p = vm.start(exec.argv(), env, cwd, (stderr, data) -> Libc.writeAll(stderr ? stdio[2] : stdio[1], data));
        } catch (IOException e) {
            throw new SandboxException("cannot start the command in the VM: " + e.getMessage(), e);
        }
        handle.attachGuest(p);
        if (exec.forwardSignals()) {
            Signals.install(sig -> {
                try {
                    p.signal(sig);
                } catch (IOException e) {
                    System.getLogger("palisade").log(System.Logger.Level.WARNING,
                            "cannot forward signal " + sig + " to the VM: " + e.getMessage());
                }
            });
        }
        // A platform thread: it blocks in read(2) on the launcher's stdin, possibly for as long as
        // the process lives (a terminal the command never reads).
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread pump = Thread.ofPlatform().daemon().name("vm-stdin").start(() -> pumpStdin(stdio[0], p, done));
        try {
            ExecResult r = p.await(FOREVER);
            if (r.signal() != 0) {
                return new Outcome(Math.min(255, 128 + r.signal()), r.signal(), "signaled", "");
            }
            return new Outcome(r.code() & 0xff, 0, "exited", "");
        } catch (IOException e) {
            String cause = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            String restarts = vm.supervisor().lastCause() == null ? "" : " (" + vm.supervisor().lastCause() + ")";
            return new Outcome(ExitStatus.PALISADE_FAILED, 0, "lost", "the command was lost: its VM failed" + restarts
                    + ": " + cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while the command ran in the VM", e);
        } finally {
            // Not interrupted: an interrupt during a write would close the channel to the agent
            // (SocketChannel is an InterruptibleChannel). The pump sees the flag and stops.
            done.set(true);
        }
    }

    /** Files an extension binds read-only are copied into the guest; beyond this size they are refused. */
    private static final long MAX_COPY = 1 << 20;

    /**
     * Extensions add read-only binds for small files the command must see, like the credential
     * broker's CA certificate and trust bundle. The guest has its own file system, so each such
     * file is copied to the same path there before the command starts. Other bwrap options (the
     * seccomp filter, rlimits) concern bwrap on the host and have no meaning in the guest.
     */
    private static void copyReadOnlyFiles(VmTier vm, List<String> bwrapArgs) throws SandboxException {
        for (int i = 0; i + 2 < bwrapArgs.size(); i++) {
            String opt = bwrapArgs.get(i);
            if (opt.equals("--bind") || opt.equals("--dev-bind")) {
                // A writable host object (an allowed Unix socket) cannot be copied: refused, not dropped.
                throw new SandboxException("the vm tier cannot give the command " + bwrapArgs.get(i + 1) + " at "
                        + bwrapArgs.get(i + 2) + " read-write; use --tier namespace");
            }
            if (!opt.equals("--ro-bind")) {
                continue;
            }
            Path src = Path.of(bwrapArgs.get(i + 1));
            String dst = bwrapArgs.get(i + 2);
            i += 2;
            try {
                if (Files.isDirectory(src)) {
                    try (var files = Files.list(src)) {
                        for (Path f : files.filter(Files::isRegularFile).toList()) {
                            copy(vm, f, dst + "/" + f.getFileName());
                        }
                    }
                } else if (Files.isRegularFile(src)) {
                    copy(vm, src, dst);
                }
            } catch (IOException e) {
                throw new SandboxException("cannot copy " + src + " into the VM: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("interrupted while copying " + src + " into the VM", e);
            }
        }
    }

    private static void copy(VmTier vm, Path src, String dst) throws IOException, InterruptedException {
        if (Files.size(src) > MAX_COPY) {
            throw new IOException(src + " is larger than " + MAX_COPY + " bytes");
        }
        // Guest commands run under bwrap with a read-only root: the agent keeps the file and binds
        // it read-only into every later command's sandbox.
        vm.vm().putFile(dst, Files.readAllBytes(src), Duration.ofSeconds(60));
    }

    private static void pumpStdin(int fd, GuestProcess p, java.util.concurrent.atomic.AtomicBoolean done) {
        try {
            while (!done.get()) {
                byte[] chunk = Libc.read(fd, 32 * 1024);
                if (chunk.length == 0 || done.get()) {
                    break;
                }
                p.write(chunk);
            }
            if (!done.get()) {
                p.closeInput();
            }
        } catch (IOException e) {
            // The command ended (its stream is gone) or stdin failed: nothing more to deliver.
            System.getLogger("palisade").log(System.Logger.Level.DEBUG, "stdin to the VM ended: " + e.getMessage());
        }
    }

    private static Map<Frame.ProxyKind, SocketAddress> proxies(Map<Integer, Path> tunnels) {
        Map<Frame.ProxyKind, SocketAddress> out = new EnumMap<>(Frame.ProxyKind.class);
        Path http = tunnels.get(NetworkBridge.SANDBOX_HTTP_PORT);
        Path socks = tunnels.get(NetworkBridge.SANDBOX_SOCKS_PORT);
        if (http != null) {
            out.put(Frame.ProxyKind.HTTP, UnixDomainSocketAddress.of(http));
        }
        if (socks != null) {
            out.put(Frame.ProxyKind.SOCKS5, UnixDomainSocketAddress.of(socks));
        }
        return out;
    }
}
