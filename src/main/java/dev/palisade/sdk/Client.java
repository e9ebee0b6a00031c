package dev.palisade.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One connection to a daemon (docs/api.md): requests with ids written by the calling thread, one
 * virtual thread reading replies and events. The reader completes replies and queues events on their
 * process; it never runs user code.
 */
final class Client implements Palisade {
    private static final System.Logger LOG = System.getLogger("palisade.sdk");
    static final ObjectMapper JSON = JsonMapper.builder().build();
    private final Path socket;
    private final SocketChannel channel;
    private final Runnable onClose;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    /** Processes this connection receives events for; guarded by {@code this}. */
    private final Map<String, RemoteProcess> processes = new HashMap<>();
    /**
     * Processes whose exit arrived, kept a while because the daemon may report lost output after the
     * exit (its outbox sends the {@code lost} count when it next has room); guarded by {@code this}.
     */
    private final Map<String, RemoteProcess> exited = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RemoteProcess> eldest) {
            return size() > 1024;
        }
    };
    final List<OutputFilter> filters = new CopyOnWriteArrayList<>();
    /** Session subscriptions of this connection. */
    private final List<SessionFollower> followers = new CopyOnWriteArrayList<>();
    private final Object writeLock = new Object();
    private final Thread reader;
    private volatile PalisadeException ended;
    private volatile PalisadeException refused;
    private volatile boolean closing;

    private Client(Path socket, SocketChannel channel, Runnable onClose) {
        this.socket = socket;
        this.channel = channel;
        this.onClose = onClose;
        this.reader = Thread.ofVirtual().name("palisade-reader").start(this::readLoop);
    }

    /**
     * Connects and makes one round trip, so that a daemon that refuses us is reported here, not at the
     * first real call.
     */
    static Client open(Path socket, Runnable onClose) throws PalisadeException {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            closeQuietly(ch);
            onClose.run();
            String why = String.valueOf(e.getMessage());
            boolean none = why.contains("No such file") || why.contains("Connection refused");
            throw new PalisadeException(none ? PalisadeException.NO_DAEMON : "connect-failed",
                    (none ? "no Palisade daemon is running on " : "cannot connect to the daemon on ") + socket
                            + " (" + why + "); start one with 'palisade daemon'", e);
        }
        Client c = new Client(socket, ch, onClose);
        try {
            c.call("session.list", c.object());
        } catch (PalisadeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Failing anyway.
            }
        }
    }

    ObjectNode object() {
        return JSON.createObjectNode();
    }

    /**
     * Sends a request and waits for its reply.
     *
     * @return the reply's {@code result}
     * @throws PalisadeException the daemon's error, or {@code disconnected}
     */
    JsonNode call(String op, ObjectNode body) throws PalisadeException {
        String id = Long.toString(ids.incrementAndGet());
        body.put("id", id);
        body.put("op", op);
        byte[] frame = JSON.writeValueAsBytes(body);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        PalisadeException gone = ended;
        if (gone != null) {
            pending.remove(id);
            throw again(gone);
        }
        try {
            synchronized (writeLock) {
                ByteBuffer b = ByteBuffer.allocate(frame.length + 1).put(frame).put((byte) '\n').flip();
                while (b.hasRemaining()) {
                    channel.write(b);
                }
            }
        } catch (IOException e) {
            pending.remove(id);
            // A daemon that refuses us says why and hangs up at once, maybe before our request went out:
            // let the reader take in that last line, so the caller learns the reason, not just EPIPE.
            try {
                reader.join(java.time.Duration.ofSeconds(5));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            if (ended != null) {
                throw again(ended);
            }
            throw new PalisadeException(PalisadeException.DISCONNECTED, "writing to the daemon on " + socket + ": "
                    + e.getMessage(), e);
        }
        JsonNode r;
        try {
            r = reply.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PalisadeException("interrupted", "interrupted while waiting for '" + op + "'", e);
        } catch (ExecutionException e) {
            throw again(e.getCause() instanceof PalisadeException p ? p
                    : new PalisadeException(PalisadeException.DISCONNECTED, String.valueOf(e.getCause())));
        }
        if (!r.path("ok").asBoolean(false)) {
            throw new PalisadeException(r.path("error").asString("error"), r.path("message").asString(""));
        }
        return r.path("result");
    }

    /** A fresh exception for this caller's stack, keeping the code. */
    private static PalisadeException again(PalisadeException e) {
        return new PalisadeException(e.code(), e.getMessage().substring(e.code().length() + 2), e);
    }

    private void readLoop() {
        PalisadeException end = null;
        try (InputStream in = Channels.newInputStream(channel)) {
            byte[] buf = new byte[1 << 16];
            byte[] line = new byte[1 << 16];
            int lineLen = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\n') {
                        continue;
                    }
                    int part = i - start;
                    if (lineLen == 0) {
                        handle(buf, start, part);
                    } else {
                        line = append(line, lineLen, buf, start, part);
                        handle(line, 0, lineLen + part);
                        lineLen = 0;
                    }
                    start = i + 1;
                }
                line = append(line, lineLen, buf, start, n - start);
                lineLen += n - start;
            }
        } catch (IOException e) {
            if (!closing) {
                end = new PalisadeException(PalisadeException.DISCONNECTED, "the connection to the daemon on " + socket
                        + " failed: " + e.getMessage(), e);
            }
        }
        if (end == null) {
            end = new PalisadeException(PalisadeException.DISCONNECTED, closing ? "the connection was closed"
                    : "the daemon on " + socket + " closed the connection");
        }
        shutdown(refused != null ? refused : end);
    }

    private static byte[] append(byte[] line, int len, byte[] src, int from, int n) {
        byte[] l = line;
        if (len + n > l.length) {
            l = java.util.Arrays.copyOf(l, Math.max(len + n, l.length * 2));
        }
        System.arraycopy(src, from, l, len, n);
        return l;
    }

    private void handle(byte[] b, int off, int len) {
        if (len == 0 || fastOutput(b, off, len)) {
            return;
        }
        JsonNode n;
        try {
            n = JSON.readTree(b, off, len);
        } catch (JacksonException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring a line that is not JSON from " + socket);
            return;
        }
        if (n == null || !n.isObject()) {
            return;
        }
        if (n.has("ok")) {
            CompletableFuture<JsonNode> f = n.path("id").isString() ? pending.remove(n.get("id").asString()) : null;
            if (f != null) {
                f.complete(n);
            } else {
                LOG.log(System.Logger.Level.WARNING, "reply to no pending request: " + n);
            }
            return;
        }
        try {
            event(n);
        } catch (PalisadeException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring a malformed event (" + e.getMessage() + "): " + n);
        }
    }

    private static final byte[] OUTPUT = "{\"event\":\"output\",".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = ",\"data\":\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * The hot path: an output event as the daemon writes it (api.md: fields in a fixed order, data
     * last), decoded without building a JSON tree or a string of the base64 data. That halves the
     * reader's work per byte, which decides how soon the daemon's outbox has to drop output. Anything
     * that does not look exactly like that (an escape in the header, another order) returns false and
     * goes through the JSON parser.
     */
    private boolean fastOutput(byte[] b, int off, int len) {
        if (len < OUTPUT.length + DATA.length + 2 || !java.util.Arrays.equals(b, off, off + OUTPUT.length, OUTPUT, 0, OUTPUT.length)
                || b[off + len - 1] != '}' || b[off + len - 2] != '"') {
            return false;
        }
        int data = -1;
        for (int i = off + OUTPUT.length; i + DATA.length <= off + len; i++) {
            if (b[i] == '\\') {
                return false;
            }
            if (b[i] == ',' && java.util.Arrays.equals(b, i, i + DATA.length, DATA, 0, DATA.length)) {
                data = i + DATA.length;
                break;
            }
        }
        if (data < 0) {
            return false;
        }
        String head = new String(b, off, data - off, StandardCharsets.US_ASCII);
        String pid = field(head, "\"process\":\"");
        String stream = field(head, "\"stream\":\"");
        if (pid == null || stream == null || pid.isEmpty()) {
            return false;
        }
        byte[] bytes;
        StdStream st;
        try {
            st = StdStream.ofWire(stream);
            java.nio.ByteBuffer decoded = Base64.getDecoder().decode(java.nio.ByteBuffer.wrap(b, data, off + len - 2 - data));
            bytes = new byte[decoded.remaining()];
            decoded.get(bytes);
        } catch (PalisadeException | IllegalArgumentException e) {
            return false;
        }
        RemoteProcess p;
        synchronized (this) {
            p = processes.computeIfAbsent(pid, k -> new RemoteProcess(this, k));
        }
        p.output(st, bytes);
        return true;
    }

    private static String field(String head, String key) {
        int i = head.indexOf(key);
        if (i < 0) {
            return null;
        }
        int start = i + key.length();
        int end = head.indexOf('"', start);
        return end < 0 ? null : head.substring(start, end);
    }

    private void event(JsonNode n) throws PalisadeException {
        String pid = n.path("process").asString("");
        switch (n.path("event").asString("")) {
            case "output" -> process(pid).output(StdStream.ofWire(n.path("stream").asString("")),
                    Base64.getDecoder().decode(n.path("data").asString("")));
            case "lost" -> process(pid).lost(new LostOutput(pid, StdStream.ofWire(n.path("stream").asString("")),
                    n.path("bytes").asLong(), n.path("chunks").asLong()));
            case "exit" -> exited(pid, new ExitStatus(pid, n.path("status").asInt(), n.path("signal").asInt(),
                    n.path("reason").asString(""), n.path("message").asString("")));
            case "violation" -> violation(n);
            case "process" -> started(n);
            case "session" -> {
                for (SessionFollower f : followers(n)) {
                    f.state(n.path("state").asString(""));
                }
            }
            case "refused" -> refused = new PalisadeException(n.path("error").asString(PalisadeException.PEER_UID),
                    "the daemon on " + socket + " refused this connection: " + n.path("message").asString(""));
            default -> LOG.log(System.Logger.Level.DEBUG, "ignoring event " + n.path("event"));
        }
    }

    private List<SessionFollower> followers(JsonNode n) {
        String session = n.path("session").asString("");
        return followers.stream().filter(f -> f.session().equals(session)).toList();
    }

    /** A process event of a followed session: the process object, claimed, to the listeners. */
    private void started(JsonNode n) throws PalisadeException {
        String pid = n.path("process").asString("");
        if (pid.isEmpty()) {
            throw new PalisadeException("bad-event", "process event without a process");
        }
        List<String> argv = new ArrayList<>();
        for (JsonNode a : n.path("argv")) {
            argv.add(a.asString(""));
        }
        List<SessionFollower> to = followers(n);
        if (to.isEmpty()) {
            return;
        }
        RemoteProcess p = claim(pid);
        for (SessionFollower f : to) {
            f.process(p, List.copyOf(argv));
        }
    }

    void follow(SessionFollower f) {
        followers.add(f);
    }

    void unfollow(SessionFollower f) {
        followers.remove(f);
    }

    private void violation(JsonNode n) {
        String pid = n.path("process").asString("");
        if (pid.isEmpty()) {
            Violation v = new Violation("", n.path("layer").asString(""), n.path("action").asString(""),
                    n.path("target").asString(""), n.path("rule").asString(""));
            for (SessionFollower f : followers(n)) {
                f.violation(v);
            }
        }
        List<RemoteProcess> targets = new ArrayList<>();
        synchronized (this) {
            if (!pid.isEmpty()) {
                targets.add(processes.computeIfAbsent(pid, k -> new RemoteProcess(this, k)));
            } else {
                String prefix = n.path("session").asString("") + "/";
                for (RemoteProcess p : processes.values()) {
                    if (p.id().startsWith(prefix)) {
                        targets.add(p);
                    }
                }
            }
        }
        for (RemoteProcess p : targets) {
            p.violation(new Violation(p.id(), n.path("layer").asString(""), n.path("action").asString(""),
                    n.path("target").asString(""), n.path("rule").asString("")));
        }
    }

    private synchronized RemoteProcess process(String pid) throws PalisadeException {
        if (pid.isEmpty()) {
            throw new PalisadeException("bad-event", "event without a process");
        }
        RemoteProcess ended = exited.get(pid);
        return ended != null ? ended : processes.computeIfAbsent(pid, k -> new RemoteProcess(this, k));
    }

    private void exited(String pid, ExitStatus status) throws PalisadeException {
        RemoteProcess p = process(pid);
        p.exit(status);
        synchronized (this) {
            if (p.claimed && processes.remove(pid) != null) { // only a late lost count may follow
                exited.put(pid, p);
            }
        }
    }

    /**
     * The process object for an id this client started or follows. Its events may have arrived before
     * the reply that named it, so it may exist already, even have exited.
     */
    synchronized RemoteProcess claim(String pid) {
        RemoteProcess done = exited.get(pid);
        if (done != null) { // followed to its end already (a replay names it again): the same object
            return done;
        }
        RemoteProcess p = processes.computeIfAbsent(pid, k -> new RemoteProcess(this, k));
        p.claimed = true;
        if (p.exitQueued() && processes.remove(pid) != null) {
            exited.put(pid, p);
        }
        return p;
    }

    private void shutdown(PalisadeException why) {
        ended = why;
        for (String id : List.copyOf(pending.keySet())) {
            CompletableFuture<JsonNode> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(why);
            }
        }
        List<RemoteProcess> left;
        synchronized (this) {
            left = List.copyOf(processes.values());
            processes.clear();
            exited.clear();
        }
        for (RemoteProcess p : left) {
            p.fail(why);
        }
    }

    @Override
    public Session createSession(SessionOptions options) throws PalisadeException {
        ObjectNode req = object();
        if (options.id() != null) {
            req.put("session", options.id());
        }
        var folders = req.putArray("folders");
        options.folders().forEach(folders::add);
        if (options.tier() != null) {
            req.put("tier", options.tier());
        }
        if (options.policy() != null) {
            try {
                req.set("policy", JSON.readTree(options.policy()));
            } catch (JacksonException e) {
                throw new PalisadeException("bad-policy", "the policy is not valid JSON: " + e.getOriginalMessage(), e);
            }
        }
        return new RemoteSession(this, call("session.create", req).path("session").asString());
    }

    @Override
    public Session session(String id) throws PalisadeException {
        RemoteSession s = new RemoteSession(this, id);
        s.info();
        return s;
    }

    @Override
    public List<String> sessions() throws PalisadeException {
        List<String> ids = new ArrayList<>();
        for (JsonNode s : call("session.list", object()).path("sessions")) {
            ids.add(s.asString());
        }
        return ids;
    }

    @Override
    public void addOutputFilter(OutputFilter filter) {
        filters.add(java.util.Objects.requireNonNull(filter, "filter"));
    }

    @Override
    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            channel.shutdownOutput();
        } catch (IOException ignored) {
            // Closing regardless.
        }
        closeQuietly(channel);
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        onClose.run();
    }
}
