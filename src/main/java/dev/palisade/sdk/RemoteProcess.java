package dev.palisade.sdk;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import tools.jackson.databind.node.ObjectNode;

/**
 * A process as this connection sees it. The reader thread appends events to a bounded queue; a
 * delivery virtual thread, started whenever the queue turns non-empty, runs filters and callbacks in
 * order. Registrations travel through the same queue so that held events are replayed in order.
 */
final class RemoteProcess implements SandboxProcess {
    private static final System.Logger LOG = System.getLogger("palisade.sdk");
    private static final int STDIN_CHUNK = 256 * 1024;
    private final Client client;
    private final String id;

    // Guarded by this: the queue between reader and delivery.
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean draining;
    private final long[] lostBytes = new long[2];
    private final long[] lostChunks = new long[2];
    private boolean exitQueued;
    private ExitStatus finished;
    private PalisadeException failed;
    /** Set by the client under its own lock once a reply named this process. */
    boolean claimed;

    // Touched only by the delivery thread (one at a time; the queue's lock orders them).
    private final List<Consumer<OutputChunk>> outputs = new ArrayList<>();
    private final List<Consumer<LostOutput>> losts = new ArrayList<>();
    private final List<Consumer<Violation>> violations = new ArrayList<>();
    private final List<Consumer<ExitStatus>> exits = new ArrayList<>();
    private final ArrayDeque<OutputChunk> heldOutput = new ArrayDeque<>();
    private final ArrayDeque<LostOutput> heldLost = new ArrayDeque<>();
    private final ArrayDeque<Violation> heldViolations = new ArrayDeque<>();
    private ExitStatus deliveredExit;
    private final long[] seq = new long[2];
    private final long[] offset = new long[2];

    RemoteProcess(Client client, String id) {
        this.client = client;
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    // ---- reader side: never blocks beyond the queue's lock ----

    synchronized void output(StdStream s, byte[] data) {
        if (exitQueued || failed != null || data.length == 0) {
            return;
        }
        if (queuedBytes + data.length > DELIVERY_BUDGET) {
            lostBytes[s.ordinal()] += data.length;
            lostChunks[s.ordinal()]++;
            return;
        }
        flushLost();
        queuedBytes += data.length;
        enqueue(new OutputChunk(id, s, 0, 0, data));
    }

    private void flushLost() {
        for (StdStream s : StdStream.values()) {
            int i = s.ordinal();
            if (lostChunks[i] > 0) {
                enqueue(new LostOutput(id, s, lostBytes[i], lostChunks[i]));
                lostBytes[i] = 0;
                lostChunks[i] = 0;
            }
        }
    }

    /** Also after the exit: the daemon may send a lost count after the exit event. */
    synchronized void lost(LostOutput l) {
        if (failed == null) {
            enqueue(l);
        }
    }

    synchronized void violation(Violation v) {
        if (!exitQueued) {
            enqueue(v);
        }
    }

    synchronized void exit(ExitStatus e) {
        if (exitQueued || failed != null) {
            return;
        }
        flushLost();
        exitQueued = true;
        enqueue(e);
    }

    synchronized boolean exitQueued() {
        return exitQueued;
    }

    synchronized void fail(PalisadeException why) {
        if (!exitQueued && failed == null) {
            failed = why;
            notifyAll();
        }
    }

    private void enqueue(Object item) {
        queue.add(item);
        if (!draining) {
            draining = true;
            Thread.ofVirtual().name("palisade-deliver-" + id).start(this::drain);
        }
    }

    private synchronized void release(long bytes) {
        queuedBytes -= bytes;
    }

    private synchronized void reserve(long bytes) {
        queuedBytes += bytes;
    }

    // ---- delivery side ----

    private void drain() {
        while (true) {
            Object item;
            synchronized (this) {
                item = queue.poll();
                if (item == null) {
                    draining = false;
                    return;
                }
            }
            if (item instanceof ProcessEvent e) {
                deliver(e);
            } else {
                ((Runnable) item).run();
            }
        }
    }

    private void deliver(ProcessEvent e) {
        switch (e) {
            case OutputChunk raw -> {
                release(raw.bytes().length);
                OutputChunk c = filter(raw);
                if (c == null) {
                    return;
                }
                if (outputs.isEmpty()) {
                    reserve(c.bytes().length);
                    heldOutput.add(c);
                } else {
                    call(outputs, c);
                }
            }
            case LostOutput l -> {
                if (losts.isEmpty()) {
                    heldLost.add(l);
                } else {
                    call(losts, l);
                }
            }
            case Violation v -> {
                if (violations.isEmpty()) {
                    heldViolations.add(v);
                } else {
                    call(violations, v);
                }
            }
            case ExitStatus x -> {
                deliveredExit = x;
                call(exits, x);
                synchronized (this) {
                    finished = x;
                    notifyAll();
                }
            }
        }
    }

    /** Runs the client's filters in order, then numbers the chunk as delivered. */
    private OutputChunk filter(OutputChunk raw) {
        byte[] data = raw.bytes();
        for (OutputFilter f : client.filters) {
            try {
                data = f.apply(new OutputChunk(id, raw.stream(), 0, 0, data));
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "output filter " + f + " failed on " + id + "; chunk passed on", ex);
            }
            if (data == null || data.length == 0) {
                return null;
            }
        }
        int s = raw.stream().ordinal();
        OutputChunk c = new OutputChunk(id, raw.stream(), seq[s]++, offset[s], data);
        offset[s] += data.length;
        return c;
    }

    private <T> void call(List<Consumer<T>> callbacks, T event) {
        for (Consumer<T> cb : callbacks) {
            try {
                cb.accept(event);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "callback failed on " + event, ex);
            }
        }
    }

    private synchronized void register(Runnable r) {
        enqueue(r);
    }

    @Override
    public SandboxProcess onOutput(Consumer<OutputChunk> callback) {
        java.util.Objects.requireNonNull(callback, "callback");
        register(() -> {
            outputs.add(callback);
            while (!heldOutput.isEmpty()) {
                OutputChunk c = heldOutput.poll();
                release(c.bytes().length);
                call(outputs, c);
            }
        });
        return this;
    }

    @Override
    public SandboxProcess onLost(Consumer<LostOutput> callback) {
        java.util.Objects.requireNonNull(callback, "callback");
        register(() -> {
            losts.add(callback);
            while (!heldLost.isEmpty()) {
                call(losts, heldLost.poll());
            }
        });
        return this;
    }

    @Override
    public SandboxProcess onViolation(Consumer<Violation> callback) {
        java.util.Objects.requireNonNull(callback, "callback");
        register(() -> {
            violations.add(callback);
            while (!heldViolations.isEmpty()) {
                call(violations, heldViolations.poll());
            }
        });
        return this;
    }

    @Override
    public SandboxProcess onExit(Consumer<ExitStatus> callback) {
        java.util.Objects.requireNonNull(callback, "callback");
        register(() -> {
            exits.add(callback);
            if (deliveredExit != null) {
                call(List.of(callback), deliveredExit);
            }
        });
        return this;
    }

    @Override
    public synchronized ExitStatus waitFor() throws PalisadeException {
        try {
            while (finished == null && failed == null) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PalisadeException("interrupted", "interrupted while waiting for " + id, e);
        }
        return result();
    }

    @Override
    public synchronized Optional<ExitStatus> waitFor(Duration timeout) throws PalisadeException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            long left;
            while (finished == null && failed == null && (left = deadline - System.nanoTime()) > 0) {
                wait(Math.max(1, left / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PalisadeException("interrupted", "interrupted while waiting for " + id, e);
        }
        return finished == null && failed == null ? Optional.empty() : Optional.of(result());
    }

    private ExitStatus result() throws PalisadeException {
        if (finished != null) {
            return finished;
        }
        throw new PalisadeException(failed.code(), "process " + id + " did not report its exit: " + failed.getMessage(),
                failed);
    }

    @Override
    public void writeStdin(byte[] data) throws PalisadeException {
        int off = 0;
        do {
            int n = Math.min(STDIN_CHUNK, data.length - off);
            ObjectNode req = client.object();
            req.put("process", id);
            req.put("data", Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(data, off, off + n)));
            sendStdin(req);
            off += n;
        } while (off < data.length);
    }

    /**
     * The daemon queues at most 1 MiB of stdin per process and refuses more with {@code stdin-full}
     * (nothing queued): wait while the command drains it, backing off up to 100 ms.
     */
    private void sendStdin(ObjectNode req) throws PalisadeException {
        long pause = 1;
        while (true) {
            try {
                client.call("stdin.write", req.deepCopy());
                return;
            } catch (PalisadeException e) {
                if (!e.code().equals("stdin-full")) {
                    throw e;
                }
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PalisadeException("interrupted", "interrupted while writing to " + id, e);
            }
            pause = Math.min(100, pause * 2);
        }
    }

    @Override
    public void closeStdin() throws PalisadeException {
        ObjectNode req = client.object();
        req.put("process", id);
        client.call("stdin.close", req);
    }

    @Override
    public int signal(int signal) throws PalisadeException {
        if (signal < 1 || signal > 64) {
            throw new IllegalArgumentException("signal out of 1..64: " + signal);
        }
        ObjectNode req = client.object();
        req.put("process", id);
        req.put("signal", signal);
        return client.call("signal", req).path("signalled").asInt();
    }

    @Override
    public String toString() {
        return "SandboxProcess[" + id + "]";
    }
}
