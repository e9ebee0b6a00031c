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

    /** Finished commands kept for a re-attaching host; older ones are forgotten. */
    static final int KEEP_FINISHED = 16;
    /**
     * Default replay buffer per output channel of a command. Buffers grow to it only as output
     * comes; the guest's JVM has a 64 MiB heap (KEEP_FINISHED × 2 × this must stay well inside it).
     */
    static final int DEFAULT_REPLAY_BUFFER = 256 * 1024;
    /** The overflow uid and gid: the warm-up runs as them to page in setpriv and bwrap's unprivileged path. */
    private static final int NOBODY = 65534;

    private final InputStream in;
    private volatile OutputStream out;
    private final Object writeLock = new Object();
    private final boolean inGuest;
    private final GuestSandbox sandbox;
    private final int replayBuffer;
    private final java.util.Deque<Integer> finished = new java.util.ArrayDeque<>();
    private final List<GuestSandbox.Folder> folders = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile String sessionId;
    /** The host user's ids from INIT, which commands run as; root until INIT. */
    private volatile int uid;
    private volatile int gid;
    /** Files from PUT_FILE: path in the sandbox to the guest file bound there. */
    private final Map<String, Path> files = new ConcurrentHashMap<>();
    private final Map<Integer, GuestCommand> commands = new ConcurrentHashMap<>();
    private final Map<Integer, TunnelEnd> tunnels = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger nextTunnel = new java.util.concurrent.atomic.AtomicInteger(2);
    private final Map<Frame.ProxyKind, Integer> proxyPorts;

    GuestAgent(InputStream in, OutputStream out, boolean inGuest, Map<Frame.ProxyKind, Integer> proxyPorts) {
        this(in, out, inGuest, proxyPorts, null, DEFAULT_REPLAY_BUFFER);
    }

    /**
     * @param in the channel's input, or null when connections are accepted ({@link #serve})
     * @param out the channel's output, or null likewise
     * @param sandbox how commands are confined, or null to run them as plain processes (host tests)
     * @param replayBuffer bytes kept per output channel of a command for a re-attaching host
     */
    GuestAgent(InputStream in, OutputStream out, boolean inGuest, Map<Frame.ProxyKind, Integer> proxyPorts,
            GuestSandbox sandbox, int replayBuffer) {
        this.in = in;
        this.out = out;
        this.inGuest = inGuest;
        this.proxyPorts = Map.copyOf(proxyPorts);
        this.sandbox = sandbox;
        this.replayBuffer = replayBuffer;
    }

    /** Default local proxy ports in the guest: HTTP on 3128, SOCKS5 on 1080 (127.0.0.1 only). */
    static final Map<Frame.ProxyKind, Integer> GUEST_PORTS = Map.of(Frame.ProxyKind.HTTP, 3128,
            Frame.ProxyKind.SOCKS5, 1080);

    /**
     * Runs the agent on standard input and output.
     *
     * @param args {@code --guest} when running as the VM's agent (INIT then sets hostname and clock,
     *     proxies listen on the default ports, commands run sandboxed, a closed channel is waited
     *     out for the host to reconnect); {@code --proxy-ports HTTP SOCKS5} to choose the ports;
     *     {@code --replay-buffer BYTES} per output channel; {@code --listen PATH} to accept host
     *     connections on a Unix socket, one after the other (each one a reconnect), instead of using
     *     standard input and output
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
        int r = a.indexOf("--replay-buffer");
        int replay = r >= 0 && r + 1 < a.size() ? Integer.parseInt(a.get(r + 1)) : DEFAULT_REPLAY_BUFFER;
        GuestSandbox sandbox = guest ? GuestSandbox.load() : null;
        int l = a.indexOf("--listen");
        if (l >= 0 && l + 1 < a.size()) {
            new GuestAgent(null, null, guest, ports, sandbox, replay).serve(Path.of(a.get(l + 1)));
        } else {
            new GuestAgent(new FileInputStream(FileDescriptor.in), channel, guest, ports, sandbox, replay).run();
        }
    }

    /**
     * Accepts host connections on a Unix socket, one at a time: commands outlive each connection
     * and a new host re-attaches to them. How the agent behaves when the VM's host end reconnects,
     * testable with real sockets on the host.
     */
    void serve(Path socket) throws IOException {
        startProxies();
        try (java.nio.channels.ServerSocketChannel server =
                java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            while (true) {
                try (java.nio.channels.SocketChannel ch = server.accept()) {
                    out = ChannelStreams.out(ch);
                    hello();
                    readFrames(ChannelStreams.in(ch));
                } catch (EOFException e) {
                    System.err.println("palisade-agent: host disconnected");
                } catch (FrameException e) {
                    sendQuietly(new Frame.Error(0, e.getMessage()));
                    System.err.println("palisade-agent: " + e.getMessage());
                } catch (IOException e) {
                    System.err.println("palisade-agent: connection failed: " + e.getMessage());
                } finally {
                    out = null;
                    dropTunnels();
                }
            }
        }
    }

    private void readFrames(InputStream from) throws IOException {
        while (true) {
            handle(FrameCodec.read(from));
        }
    }

    void run() throws IOException {
        if (inGuest) {
            System.err.println("palisade-agent: main uptime=" + uptime());
            warmUp(sandbox);
        }
        startProxies();
        if (inGuest) {
            System.err.println("palisade-agent: ready uptime=" + uptime());
        }
        hello();
        while (true) {
            try {
                readFrames(in);
            } catch (EOFException e) {
                if (!inGuest) {
                    System.err.println("palisade-agent: channel closed");
                    return;
                }
                // The host end of the virtio port is closed (read(2) returns 0 until it reopens):
                // commands go on, their output waits in the replay buffers for the host to re-attach.
                dropTunnels();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } catch (FrameException e) {
                sendQuietly(new Frame.Error(0, e.getMessage()));
                System.err.println("palisade-agent: " + e.getMessage());
                return;
            }
        }
    }

    /** The host's ends of all tunnels went with its connection: close the guest's ends. */
    private void dropTunnels() {
        for (Integer stream : List.copyOf(tunnels.keySet())) {
            TunnelEnd t = tunnels.remove(stream);
            if (t != null) {
                t.channelLost();
            }
        }
    }

    private void startProxies() {
        for (Map.Entry<Frame.ProxyKind, Integer> e : proxyPorts.entrySet()) {
            try {
                listen(e.getKey(), e.getValue());
            } catch (IOException ex) {
                // Commands still work without a proxy port; say why network access will fail.
                System.err.println("palisade-agent: cannot listen on 127.0.0.1:" + e.getValue() + " for "
                        + e.getKey() + ": " + ex.getMessage());
            }
        }
    }

    /**
     * Exercises, before the first HELLO, every path a restored session takes first: the FFM
     * downcalls of INIT, process start, the codec. The snapshot is taken after HELLO, so this cost
     * (seconds for a cold JVM under TCG) is paid once per image instead of once per session.
     */
    private static void warmUp(GuestSandbox sandbox) {
        long t0 = System.nanoTime();
        try {
            GuestIdentity.setHostname(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
            GuestIdentity.setClock(System.currentTimeMillis());
            long t1 = System.nanoTime();
            // The first sandboxed command pages in bwrap and its libraries: pay that before the snapshot.
            List<String> argv = sandbox == null ? List.of("true") : sandbox.wrap(List.of("/bin/true"), "/", null, List.of(), Map.of(),
                    NOBODY, NOBODY);
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                System.err.println("palisade-agent: warm-up command failed: " + log);
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                FrameCodec.decode(FrameCodec.encode(new Frame.Output(1, Frame.OutputChannel.STDOUT, i, new byte[64])));
            }
            System.err.println("palisade-agent: warm-up steps: identity (FFM) " + (t1 - t0) / 1_000_000
                    + " ms, sandboxed process " + (t2 - t1) / 1_000_000 + " ms, codec "
                    + (System.nanoTime() - t2) / 1_000_000 + " ms");
        } catch (IOException e) {
            System.err.println("palisade-agent: warm-up failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.err.println("palisade-agent: warm-up took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** Seconds since the guest kernel booted (proc(5)), for the boot-phase figures on the console. */
    private static String uptime() {
        try {
            return Files.readString(Path.of("/proc/uptime")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
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
                if (c == null) {
                    send(new Frame.Error(s.stream(), "no running command on stream " + s.stream()));
                    return;
                }
                // Its own thread: delivery may wait for the sandbox to be set up.
                Thread.ofVirtual().name("signal-" + s.stream()).start(() -> {
                    try {
                        c.signal(s.signal());
                    } catch (IOException e) {
                        sendQuietly(new Frame.Error(s.stream(), e.getMessage()));
                    }
                });
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
            case Frame.Attach a -> {
                GuestCommand c = commands.get(a.stream());
                if (c == null) {
                    send(new Frame.Error(a.stream(), "no command on stream " + a.stream()
                            + " to attach to (never started, or finished and forgotten)"));
                } else {
                    c.attach(a);
                }
            }
            case Frame.Mount m -> Thread.ofVirtual().name("mount-" + m.stream()).start(() -> mount(m));
            case Frame.Attached a -> throw new FrameException("ATTACHED is guest to host only");
            case Frame.PutFile pf -> putFile(pf);
            case Frame.ProxyClose p -> {
                TunnelEnd t = tunnels.get(p.stream());
                if (t != null) {
                    t.remoteClosed();
                }
            }
            case Frame.Credit c -> {
                GuestCommand cmd = commands.get(c.stream());
                TunnelEnd t = tunnels.get(c.stream());
                if (cmd != null) {
                    cmd.credit(c.bytes());
                } else if (t != null) {
                    t.credit(c.bytes());
                }
                // Otherwise credit for a stream that just ended: nothing waits for it.
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
        GuestCommand old = commands.get(e.stream());
        if (old != null && !old.exited()) {
            send(new Frame.Error(e.stream(), "stream " + e.stream() + " is already in use"));
            return;
        }
        if (old != null) {
            // A new host reuses the id of a finished command: it is not going to attach to it.
            forget(e.stream());
        }
        ProcessBuilder pb;
        if (sandbox == null) {
            pb = new ProcessBuilder(e.argv()).directory(Path.of(e.cwd()).toFile());
        } else {
            pb = new ProcessBuilder(sandbox.wrap(e.argv(), e.cwd(), sessionId, List.copyOf(folders), Map.copyOf(files),
                    uid, gid));
        }
        pb.environment().clear();
        for (String kv : e.env()) {
            int eq = kv.indexOf('=');
            pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        String path = pb.environment().get("PATH");
        Process p;
        try {
            if (sandbox != null && !executable(e.argv().get(0), path, e.cwd())) {
                // bwrap reports a failed execvp as status 1; find out first, as the JDK would.
                throw new IOException(exists(e.argv().get(0), path, e.cwd()) ? "Permission denied"
                        : "No such file or directory");
            }
            p = pb.start();
        } catch (IOException ex) {
            // The container runtimes' convention: 127 not found, 126 found but not executable.
            String msg = String.valueOf(ex.getMessage());
            int status = exists(e.argv().get(0), path, e.cwd()) ? 126 : 127;
            byte[] text = ("palisade-agent: " + e.argv().get(0) + ": " + msg + "\n").getBytes(StandardCharsets.UTF_8);
            send(new Frame.Output(e.stream(), Frame.OutputChannel.STDERR, 0, text));
            send(new Frame.Exit(e.stream(), status, 0));
            return;
        }
        GuestCommand c = new GuestCommand(e.stream(), p, this, replayBuffer, sandbox != null);
        commands.put(e.stream(), c);
        c.start();
    }

    /** Whether the program resolves, through PATH like execvp(3), to an executable regular file. */
    static boolean executable(String program, String path, String cwd) {
        if (program.contains("/")) {
            Path p = Path.of(cwd).resolve(program);
            return Files.isRegularFile(p) && Files.isExecutable(p);
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (!dir.isEmpty() && Files.isRegularFile(p) && Files.isExecutable(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stores a PUT_FILE's contents read-only at its path in the guest's own root (so bwrap finds
     * the mount point inside the read-only system folders it binds, /etc say) and binds it there,
     * read-only, into every later sandbox (so it is also seen where the sandbox has a tmpfs).
     */
    private void putFile(Frame.PutFile f) {
        try {
            Path file = Path.of(f.path());
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".put-", ".tmp");
            Files.write(tmp, f.data());
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            files.put(f.path(), file);
            send(new Frame.Exit(f.stream(), 0, 0));
        } catch (IOException e) {
            sendQuietly(new Frame.Error(f.stream(), "storing " + f.path() + " failed: " + e.getMessage()));
        }
    }

    /**
     * Mounts a session folder (9p over virtio) in the agent itself, then binds it into every later
     * command's sandbox with its mode. Answers EXIT 0 or ERROR on the frame's stream.
     */
    private void mount(Frame.Mount m) {
        try {
            Files.createDirectories(Path.of(m.target()));
            String opts = "trans=virtio,version=9p2000.L,msize=262144" + (m.readOnly() ? ",ro" : "");
            Process p = new ProcessBuilder("/bin/mount", "-t", "9p", "-o", opts, m.tag(), m.target())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            int status = p.waitFor();
            if (status != 0) {
                throw new IOException("mount exited with " + status + ": " + log);
            }
            folders.removeIf(f -> f.target().equals(m.target()));
            folders.add(new GuestSandbox.Folder(m.target(), m.readOnly()));
            send(new Frame.Exit(m.stream(), 0, 0));
        } catch (IOException e) {
            sendQuietly(new Frame.Error(m.stream(), "mounting " + m.tag() + " at " + m.target() + " failed: "
                    + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        // Also names the sandbox's home; an id that is no plain label cannot name a folder.
        sessionId = i.sessionId().matches("[a-z0-9-]{1,64}") ? i.sessionId() : null;
        uid = i.uid();
        gid = i.gid();
        if (!inGuest) {
            return;
        }
        GuestIdentity.setHostname(i.sessionId());
        GuestIdentity.setClock(i.epochMillis());
        // Written entropy is mixed into the pool without being credited (random(4)).
        Files.write(Path.of("/dev/urandom"), i.entropy());
    }

    /** A command ended; it is kept for re-attaching hosts until {@link #KEEP_FINISHED} newer ones ended. */
    void finished(int stream) {
        Integer drop;
        synchronized (finished) {
            finished.addLast(stream);
            drop = finished.size() > KEEP_FINISHED ? finished.removeFirst() : null;
        }
        if (drop != null) {
            forget(drop);
        }
    }

    private void forget(int stream) {
        synchronized (finished) {
            finished.remove(stream);
        }
        GuestCommand c = commands.remove(stream);
        if (c != null) {
            c.close();
        }
    }

    void send(Frame f) throws IOException {
        byte[] bytes = FrameCodec.encode(f);
        synchronized (writeLock) {
            OutputStream o = out;
            if (o == null) {
                throw new IOException("no host connected");
            }
            o.write(bytes);
            o.flush();
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
