package dev.palisade.vm;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host's end of the channel to one guest agent: a virtual thread reads frames and routes them
 * to the command (stream) they belong to; writers send whole frames under a lock. The host opens
 * odd stream ids and the guest even ones, so neither side needs to ask the other.
 */
final class AgentConnection implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentConnection.class.getName());

    private final java.io.Closeable channel;
    private final InputStream in;
    private final OutputStream out;
    private final Object writeLock = new Object();
    private final Map<Integer, ExecCollector> execs = new ConcurrentHashMap<>();
    private final Map<Long, CountDownLatch> beats = new ConcurrentHashMap<>();
    private final Map<Integer, TunnelEnd> tunnels = new ConcurrentHashMap<>();
    private volatile Map<Frame.ProxyKind, java.net.SocketAddress> proxyTargets = Map.of();
    private final AtomicInteger nextStream = new AtomicInteger(1);
    private final AtomicLong nextBeat = new AtomicLong();
    private final java.util.concurrent.BlockingQueue<Frame.Hello> hellos =
            new java.util.concurrent.LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile IOException failure;

    AgentConnection(SocketChannel channel) {
        this(ChannelStreams.in(channel), ChannelStreams.out(channel), channel);
    }

    /** Over any pair of streams; closing {@code channel} must unblock a read on {@code in}. */
    AgentConnection(InputStream in, OutputStream out, java.io.Closeable channel) {
        this.channel = channel;
        this.in = in;
        this.out = out;
        this.reader = Thread.ofVirtual().name("vm-agent-reader").start(this::readLoop);
    }

    private void readLoop() {
        try {
            while (true) {
                route(FrameCodec.read(in));
            }
        } catch (EOFException e) {
            failAll(new IOException("guest agent closed the channel", e));
        } catch (IOException e) {
            failAll(e);
        }
    }

    private void route(Frame f) throws IOException {
        switch (f) {
            case Frame.Hello h -> {
                if (h.version() != Frame.PROTOCOL_VERSION) {
                    send(new Frame.Error(0, "unsupported protocol version " + h.version()));
                    throw new FrameException("guest agent speaks protocol " + h.version() + ", host speaks "
                            + Frame.PROTOCOL_VERSION);
                }
                hellos.add(h);
            }
            case Frame.Output o -> {
                ExecCollector c = collector(o.stream());
                if (c != null && c.output(o)) {
                    int grant = c.outputWindow.consumed(o.data().length);
                    if (grant > 0) {
                        send(new Frame.Credit(o.stream(), grant));
                    }
                }
            }
            case Frame.Exit x -> {
                ExecCollector c = collector(x.stream());
                if (c != null && c.exit(x)) {
                    execs.remove(x.stream());
                }
            }
            case Frame.Attached a -> {
                ExecCollector c = execs.get(a.stream());
                if (c == null) {
                    throw new FrameException("ATTACHED on stream " + a.stream() + ", which the host did not attach");
                }
                c.attached(a);
            }
            case Frame.Heartbeat h -> {
                CountDownLatch l = h.reply() ? beats.remove(h.sequence()) : null;
                if (l != null) {
                    l.countDown();
                } else if (!h.reply() || h.sequence() >= nextBeat.get()) {
                    throw new FrameException("unexpected heartbeat " + h.sequence() + " from the guest");
                }
                // Otherwise a late reply to a beat that already timed out: harmless.
            }
            case Frame.Error e -> {
                if (e.stream() == 0) {
                    throw new FrameException("guest agent reported a channel error: " + e.message());
                }
                ExecCollector c = execs.remove(e.stream());
                TunnelEnd t = tunnels.remove(e.stream());
                if (t != null) {
                    t.remoteClosed();
                } else if (c != null) {
                    c.fail(new IOException("guest agent: " + e.message()));
                } else {
                    LOG.log(System.Logger.Level.WARNING, "guest error on stream {0}: {1}", e.stream(), e.message());
                }
            }
            case Frame.ProxyOpen p -> openTunnel(p);
            case Frame.ProxyData p -> {
                TunnelEnd t = tunnels.get(p.stream());
                if (t != null) {
                    t.data(p.data());
                } else {
                    send(new Frame.ProxyClose(p.stream()));
                }
            }
            case Frame.ProxyClose p -> {
                TunnelEnd t = tunnels.get(p.stream());
                if (t != null) {
                    t.remoteClosed();
                }
            }
            case Frame.Credit c -> {
                TunnelEnd t = tunnels.get(c.stream());
                ExecCollector e = execs.get(c.stream());
                if (t != null) {
                    t.credit(c.bytes());
                } else if (e != null) {
                    e.stdinWindow.grant(c.bytes(), c.stream());
                }
                // Otherwise credit for a stream that has just ended: nothing waits for it.
            }
            case Frame.Mount m -> throw new FrameException("MOUNT is host to guest only");
            case Frame.Attach a -> throw new FrameException("ATTACH is host to guest only");
            case Frame.PutFile p -> throw new FrameException("PUT_FILE is host to guest only");
            case Frame.Init i -> throw new FrameException("INIT is host to guest only");
            case Frame.Exec e -> throw new FrameException("EXEC is host to guest only");
            case Frame.Stdin s -> throw new FrameException("STDIN is host to guest only");
            case Frame.Signal s -> throw new FrameException("SIGNAL is host to guest only");
        }
    }

    /**
     * Where tunnels from the guest's local proxy ports lead: the host's HTTP and SOCKS5 proxies.
     * Without it every PROXY_OPEN is refused.
     */
    void proxies(Map<Frame.ProxyKind, java.net.SocketAddress> targets) {
        this.proxyTargets = Map.copyOf(targets);
    }

    private void openTunnel(Frame.ProxyOpen p) throws IOException {
        java.net.SocketAddress target = proxyTargets.get(p.kind());
        if (p.stream() % 2 != 0 || tunnels.containsKey(p.stream())) {
            throw new FrameException("PROXY_OPEN on stream " + p.stream() + ", which the guest may not open");
        }
        if (target == null) {
            send(new Frame.Error(p.stream(), "no " + p.kind() + " proxy on the host"));
            return;
        }
        SocketChannel ch;
        try {
            // Loopback or a Unix socket: connecting in the reader thread keeps frame order simple.
            ch = SocketChannel.open(target);
        } catch (IOException e) {
            send(new Frame.Error(p.stream(), "host " + p.kind() + " proxy unreachable: " + e.getMessage()));
            return;
        }
        TunnelEnd t = new TunnelEnd(p.stream(), ChannelStreams.in(ch), ChannelStreams.out(ch), ch, ch::shutdownOutput,
                this::send, () -> tunnels.remove(p.stream()));
        tunnels.put(p.stream(), t);
        t.start();
    }

    /**
     * The collector of a command stream, or null for a stale frame: a command a previous connection
     * started (the guest detaches commands from connections, so after a reconnect it may still be
     * sending for them until this host attaches). Even streams are the guest's and never carry
     * command frames.
     */
    private ExecCollector collector(int stream) throws FrameException {
        ExecCollector c = execs.get(stream);
        if (c == null && stream % 2 == 0) {
            throw new FrameException("command frame on stream " + stream + ", which the guest opened");
        }
        if (c == null) {
            LOG.log(System.Logger.Level.DEBUG, "frame for stream {0}, not attached on this connection", stream);
        }
        return c;
    }

    private void failAll(IOException e) {
        failure = e;
        execs.values().forEach(c -> c.fail(e));
        execs.clear();
        beats.values().forEach(CountDownLatch::countDown);
        try {
            channel.close();
        } catch (IOException ignored) {
            // Already failing; the first cause is the one reported.
        }
    }

    void send(Frame f) throws IOException {
        byte[] bytes = FrameCodec.encode(f);
        synchronized (writeLock) {
            out.write(bytes);
            out.flush();
        }
    }

    /** Waits for the agent's next HELLO: sent at start, and in answer to INIT. */
    Frame.Hello awaitHello(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame.Hello h = hellos.poll(50, TimeUnit.MILLISECONDS);
            if (h != null) {
                return h;
            }
            IOException f = failure;
            if (f != null) {
                throw new IOException("channel failed before the guest agent's hello: " + f.getMessage(), f);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("no hello from the guest agent within " + timeout);
            }
        }
    }

    GuestProcess start(List<String> argv, List<String> env, String cwd) throws IOException {
        return start(argv, env, cwd, null);
    }

    /** Starts a command; with a sink its output streams there instead of being collected. */
    GuestProcess start(List<String> argv, List<String> env, String cwd, OutputSink sink) throws IOException {
        int stream = nextStream.getAndAdd(2);
        ExecCollector c = new ExecCollector(stream, sink, sink == null ? null : this::send);
        execs.put(stream, c);
        if (failure != null) {
            execs.remove(stream);
            throw new IOException("channel to the guest agent failed: " + failure.getMessage(), failure);
        }
        Frame.Exec exec = new Frame.Exec(stream, argv, env, cwd, false);
        try {
            send(exec);
        } catch (IOException e) {
            execs.remove(stream);
            throw e;
        }
        return new GuestProcess(this, stream, c);
    }

    /**
     * Re-attaches to a command the guest kept running across a reconnect (this connection, or an
     * earlier one, started it). The guest answers with where its replay starts and then sends the
     * output from there, and EXIT when the command has ended; bytes before the replay's start that
     * the guest no longer held are reported by {@link GuestProcess#expiredBytes}, never silently lost.
     *
     * @param stream the command's stream
     * @param stdoutOffset the first stdout offset this host lacks
     * @param stderrOffset the first stderr offset this host lacks
     * @param timeout how long to wait for the guest's answer
     * @return the process, holding output from the replay's start
     * @throws IOException if the guest does not know the stream or does not answer
     */
    GuestProcess attach(int stream, long stdoutOffset, long stderrOffset, Duration timeout)
            throws IOException, InterruptedException {
        if (stream <= 0 || stream % 2 == 0) {
            throw new IllegalArgumentException("stream " + stream + " is not a host command stream");
        }
        ExecCollector c = new ExecCollector(stream, stdoutOffset, stderrOffset);
        if (execs.putIfAbsent(stream, c) != null) {
            throw new IllegalStateException("stream " + stream + " is already attached on this connection");
        }
        // New commands of this connection must not take the id.
        nextStream.accumulateAndGet(stream + 2, Math::max);
        try {
            send(new Frame.Attach(stream, stdoutOffset, stderrOffset));
            c.awaitAttached(timeout);
        } catch (IOException e) {
            execs.remove(stream, c);
            throw e;
        }
        return new GuestProcess(this, stream, c);
    }

    /**
     * Has the guest agent mount a 9p share for the session (commands cannot: their seccomp filter
     * denies mount(2)); later commands get the folder bound into their sandbox with this mode.
     *
     * @param tag the virtio-9p tag
     * @param target {@code /sessions/<id>/mnt/<Name>}
     * @param readOnly the folder's mode
     * @param timeout how long the mount may take
     * @throws IOException if the guest fails to mount it (with its reason)
     */
    void mount(String tag, String target, boolean readOnly, Duration timeout) throws IOException, InterruptedException {
        int stream = nextStream.getAndAdd(2);
        request(stream, new Frame.Mount(stream, tag, target, readOnly), timeout);
    }

    /**
     * Gives every later command in the guest a read-only file at {@code path} (commands cannot
     * write into the guest's root: they run under bwrap with a read-only root).
     *
     * @param path the absolute path commands see the file at
     * @param data its contents, within one frame
     * @param timeout how long the guest may take
     * @throws IOException if the guest fails to store it
     */
    void putFile(String path, byte[] data, Duration timeout) throws IOException, InterruptedException {
        int stream = nextStream.getAndAdd(2);
        request(stream, new Frame.PutFile(stream, path, data), timeout);
    }

    /** Sends a request answered by EXIT 0 (done) or ERROR (with the guest's reason) on its stream. */
    private void request(int stream, Frame f, Duration timeout) throws IOException, InterruptedException {
        ExecCollector c = new ExecCollector(stream);
        execs.put(stream, c);
        try {
            send(f);
        } catch (IOException | RuntimeException e) {
            execs.remove(stream);
            throw e;
        }
        ExecResult r = c.await(timeout);
        if (r.status() != 0) {
            throw new IOException(f.getClass().getSimpleName() + " on stream " + stream + " failed with status "
                    + r.status());
        }
    }

    /** Sends a heartbeat and waits for its reply; returns the round trip in nanoseconds. */
    long heartbeat(Duration timeout) throws IOException, InterruptedException {
        long seq = nextBeat.getAndIncrement();
        CountDownLatch l = new CountDownLatch(1);
        beats.put(seq, l);
        long t0 = System.nanoTime();
        send(new Frame.Heartbeat(seq, false));
        if (!l.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            beats.remove(seq);
            throw new IOException("heartbeat " + seq + " not answered within " + timeout);
        }
        if (failure != null) {
            throw new IOException("channel failed: " + failure.getMessage(), failure);
        }
        return System.nanoTime() - t0;
    }

    @Override
    public void close() throws IOException {
        channel.close();
        try {
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
