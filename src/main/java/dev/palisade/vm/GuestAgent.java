package dev.palisade.vm;

import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.palisade.sys.GuestIdentity;

/**
 * The guest side of the channel, in Java: the same jar as the host, started by the guest's /init
 * with the virtio-serial port as standard input and output (one open of the port serves both; a
 * second open would fail with EBUSY). Commands run concurrently, output streams as it appears,
 * heartbeats are answered while commands run. Logs go to standard error (the console).
 */
public final class GuestAgent {
    private static final String NAME = "palisade-agent/0.1";

    private final InputStream in;
    private final OutputStream out;
    private final boolean inGuest;
    private final Map<Integer, GuestCommand> commands = new ConcurrentHashMap<>();
    private final Map<Integer, TunnelEnd> tunnels = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger nextTunnel = new java.util.concurrent.atomic.AtomicInteger(2);
    private final Map<Frame.ProxyKind, Integer> proxyPorts;

    GuestAgent(InputStream in, OutputStream out, boolean inGuest, Map<Frame.ProxyKind, Integer> proxyPorts) {
        this.in = in;
        this.out = out;
        this.inGuest = inGuest;
        this.proxyPorts = Map.copyOf(proxyPorts);
    }

    /** Default local proxy ports in the guest: HTTP on 3128, SOCKS5 on 1080 (127.0.0.1 only). */
    static final Map<Frame.ProxyKind, Integer> GUEST_PORTS = Map.of(Frame.ProxyKind.HTTP, 3128,
            Frame.ProxyKind.SOCKS5, 1080);

    /**
     * Runs the agent on standard input and output.
     *
     * @param args {@code --guest} when running as the VM's agent (INIT then sets hostname and clock,
     *     proxies listen on the default ports); {@code --proxy-ports HTTP SOCKS5} to choose the ports
     */
    public static void main(String[] args) throws IOException {
        OutputStream channel = new FileOutputStream(FileDescriptor.out);
        // Nothing else may write to the channel.
        System.setOut(System.err);
        List<String> a = List.of(args);
        boolean guest = a.contains("--guest");
        Map<Frame.ProxyKind, Integer> ports = guest ? GUEST_PORTS : Map.of();
        int i = a.indexOf("--proxy-ports");
        if (i >= 0 && i + 2 < a.size()) {
            ports = Map.of(Frame.ProxyKind.HTTP, Integer.parseInt(a.get(i + 1)), Frame.ProxyKind.SOCKS5,
                    Integer.parseInt(a.get(i + 2)));
        }
        new GuestAgent(new FileInputStream(FileDescriptor.in), channel, guest, ports).run();
    }

    void run() throws IOException {
        if (inGuest) {
            warmUp();
        }
        for (Map.Entry<Frame.ProxyKind, Integer> e : proxyPorts.entrySet()) {
            try {
                listen(e.getKey(), e.getValue());
            } catch (IOException ex) {
                // Commands still work without a proxy port; say why network access will fail.
                System.err.println("palisade-agent: cannot listen on 127.0.0.1:" + e.getValue() + " for "
                        + e.getKey() + ": " + ex.getMessage());
            }
        }
        hello();
        try {
            while (true) {
                handle(FrameCodec.read(in));
            }
        } catch (EOFException e) {
            System.err.println("palisade-agent: channel closed");
        } catch (FrameException e) {
            sendQuietly(new Frame.Error(0, e.getMessage()));
            System.err.println("palisade-agent: " + e.getMessage());
        }
    }

    /**
     * Exercises, before the first HELLO, every path a restored session takes first: the FFM
     * downcalls of INIT, process start, the codec. The snapshot is taken after HELLO, so this cost
     * (seconds for a cold JVM under TCG) is paid once per image instead of once per session.
     */
    private static void warmUp() {
        long t0 = System.nanoTime();
        try {
            GuestIdentity.setHostname(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
            GuestIdentity.setClock(System.currentTimeMillis());
            Process p = new ProcessBuilder("true").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            for (int i = 0; i < 100; i++) {
                FrameCodec.decode(FrameCodec.encode(new Frame.Output(1, Frame.OutputChannel.STDOUT, i, new byte[64])));
            }
        } catch (IOException e) {
            System.err.println("palisade-agent: warm-up failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.err.println("palisade-agent: warm-up took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** A local proxy port: each connection becomes a tunnel to the host's proxy of that kind. */
    private void listen(Frame.ProxyKind kind, int port) throws IOException {
        java.net.ServerSocket server = new java.net.ServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("proxy-" + kind).start(() -> {
            while (true) {
                java.net.Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    System.err.println("palisade-agent: " + kind + " proxy port closed: " + e.getMessage());
                    return;
                }
                int stream = nextTunnel.getAndAdd(2);
                try {
                    TunnelEnd t = new TunnelEnd(stream, s.getInputStream(), s.getOutputStream(), s, s::shutdownOutput,
                            this::send, () -> tunnels.remove(stream));
                    tunnels.put(stream, t);
                    send(new Frame.ProxyOpen(stream, kind));
                    t.start();
                } catch (IOException e) {
                    tunnels.remove(stream);
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // Already failing.
                    }
                }
            }
        });
    }

    private void hello() throws IOException {
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease"), StandardCharsets.UTF_8).strip();
        send(new Frame.Hello(Frame.PROTOCOL_VERSION, NAME + " " + release));
    }

    private void handle(Frame f) throws IOException {
        switch (f) {
            case Frame.Exec e -> exec(e);
            case Frame.Stdin s -> {
                GuestCommand c = commands.get(s.stream());
                if (c != null) {
                    c.input(s);
                } else {
                    send(new Frame.Error(s.stream(), "no running command on stream " + s.stream()));
                }
            }
            case Frame.Signal s -> {
                GuestCommand c = commands.get(s.stream());
                try {
                    if (c == null) {
                        throw new IOException("no running command on stream " + s.stream());
                    }
                    c.signal(s.signal());
                } catch (IOException e) {
                    send(new Frame.Error(s.stream(), e.getMessage()));
                }
            }
            case Frame.Heartbeat h -> {
                if (!h.reply()) {
                    send(new Frame.Heartbeat(h.sequence(), true));
                }
            }
            case Frame.Init i -> {
                try {
                    init(i);
                } catch (IOException e) {
                    // A guest that cannot take the session's identity must not serve it.
                    send(new Frame.Error(0, "INIT failed: " + e.getMessage()));
                    return;
                }
                hello();
            }
            case Frame.Hello h -> {
                if (h.version() != Frame.PROTOCOL_VERSION) {
                    throw new FrameException("host speaks protocol " + h.version());
                }
            }
            case Frame.ProxyOpen p -> throw new FrameException("PROXY_OPEN is guest to host only");
            case Frame.ProxyData p -> {
                TunnelEnd t = tunnels.get(p.stream());
                if (t != null) {
                    t.data(p.data());
                }
            }
            case Frame.ProxyClose p -> {
                TunnelEnd t = tunnels.get(p.stream());
                if (t != null) {
                    t.remoteClosed();
                }
            }
            case Frame.Credit c -> {
                // Output is not windowed yet; credit is accepted and ignored.
            }
            case Frame.Error e -> {
                TunnelEnd t = tunnels.remove(e.stream());
                if (t != null) {
                    t.remoteClosed();
                }
                System.err.println("palisade-agent: host error on stream " + e.stream() + ": " + e.message());
            }
            case Frame.Output o -> throw new FrameException("OUTPUT is guest to host only");
            case Frame.Exit x -> throw new FrameException("EXIT is guest to host only");
        }
    }

    private void exec(Frame.Exec e) throws IOException {
        if (commands.containsKey(e.stream())) {
            send(new Frame.Error(e.stream(), "stream " + e.stream() + " is already in use"));
            return;
        }
        ProcessBuilder pb = new ProcessBuilder(e.argv()).directory(Path.of(e.cwd()).toFile());
        pb.environment().clear();
        for (String kv : e.env()) {
            int eq = kv.indexOf('=');
            pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException ex) {
            // The container runtimes' convention: 127 not found, 126 found but not executable.
            String msg = String.valueOf(ex.getMessage());
            int status = exists(e.argv().get(0), pb.environment().get("PATH"), e.cwd()) ? 126 : 127;
            byte[] text = ("palisade-agent: " + e.argv().get(0) + ": " + msg + "\n").getBytes(StandardCharsets.UTF_8);
            send(new Frame.Output(e.stream(), Frame.OutputChannel.STDERR, 0, text));
            send(new Frame.Exit(e.stream(), status, 0));
            return;
        }
        GuestCommand c = new GuestCommand(e.stream(), p, this);
        commands.put(e.stream(), c);
        c.start();
    }

    /** Whether the program exists (then it failed to run: 126) or not (127); JDK messages are not stable. */
    static boolean exists(String program, String path, String cwd) {
        if (program.contains("/")) {
            return Files.exists(Path.of(cwd).resolve(program));
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            if (!dir.isEmpty() && Files.exists(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private void init(Frame.Init i) throws IOException {
        if (!inGuest) {
            return;
        }
        GuestIdentity.setHostname(i.sessionId());
        GuestIdentity.setClock(i.epochMillis());
        // Written entropy is mixed into the pool without being credited (random(4)).
        Files.write(Path.of("/dev/urandom"), i.entropy());
    }

    void finished(int stream) {
        commands.remove(stream);
    }

    void send(Frame f) throws IOException {
        byte[] bytes = FrameCodec.encode(f);
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
    }

    void sendQuietly(Frame f) {
        try {
            send(f);
        } catch (IOException e) {
            System.err.println("palisade-agent: cannot send " + f.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
