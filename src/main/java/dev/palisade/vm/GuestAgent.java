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

    GuestAgent(InputStream in, OutputStream out, boolean inGuest) {
        this.in = in;
        this.out = out;
        this.inGuest = inGuest;
    }

    /**
     * Runs the agent on standard input and output.
     *
     * @param args {@code --guest} when running as the VM's agent (INIT then sets hostname and clock)
     */
    public static void main(String[] args) throws IOException {
        OutputStream channel = new FileOutputStream(FileDescriptor.out);
        // Nothing else may write to the channel.
        System.setOut(System.err);
        boolean guest = List.of(args).contains("--guest");
        new GuestAgent(new FileInputStream(FileDescriptor.in), channel, guest).run();
    }

    void run() throws IOException {
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
                init(i);
                hello();
            }
            case Frame.Hello h -> {
                if (h.version() != Frame.PROTOCOL_VERSION) {
                    throw new FrameException("host speaks protocol " + h.version());
                }
            }
            case Frame.ProxyOpen p -> send(new Frame.Error(p.stream(), "proxy tunnels are not implemented yet"));
            case Frame.ProxyData p -> send(new Frame.Error(p.stream(), "no such tunnel"));
            case Frame.ProxyClose p -> {
                // No tunnels exist yet.
            }
            case Frame.Credit c -> {
                // Output is not windowed yet; credit is accepted and ignored.
            }
            case Frame.Error e -> System.err.println("palisade-agent: host error on stream " + e.stream() + ": "
                    + e.message());
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
        // busybox's applets do what would otherwise need sethostname(2) and clock_settime(2).
        run(List.of("hostname", i.sessionId()));
        run(List.of("date", "-s", "@" + i.epochMillis() / 1000));
        Files.write(Path.of("/dev/urandom"), i.entropy());
    }

    private static void run(List<String> argv) throws IOException {
        try {
            new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
