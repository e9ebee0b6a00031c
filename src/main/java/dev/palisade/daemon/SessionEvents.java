package dev.palisade.daemon;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.palisade.api.Event;
import dev.palisade.api.ViolationEvent;

/**
 * The event hub of one session: its processes, the connections that follow the whole session, and
 * the bounded buffer of its recent output that {@code session.subscribe} with {@code replay} sends.
 * Its monitor orders everything a subscriber can see: a process's start, each output event, its
 * exit, and the moment a connection subscribes. So a subscriber that takes the replay and joins the
 * live stream under this lock sees every output event exactly once, and a process's exit after all
 * its output.
 */
final class SessionEvents {
    /**
     * Output bytes kept per session for replay (base64 makes the events a third larger); the oldest
     * events are dropped first, and counted.
     */
    static final long REPLAY_BUDGET = 1L << 20;

    private final String sessionId;
    final Map<String, DaemonProcess> processes = new ConcurrentHashMap<>();
    private final List<Outbox> followers = new CopyOnWriteArrayList<>();

    // Guarded by this.
    private final ArrayDeque<Buffered> replay = new ArrayDeque<>();
    private long replayBytes;
    private final Map<String, long[]> dropped = new LinkedHashMap<>();

    private record Buffered(String process, String stream, byte[] line, int dataBytes) {
    }

    SessionEvents(String sessionId) {
        this.sessionId = sessionId;
    }

    String sessionId() {
        return sessionId;
    }

    /** The sink for the session's broker: violations that name no process. */
    void accept(Event e) {
        if (e instanceof ViolationEvent v) {
            violation(null, v);
        } else if (e instanceof dev.palisade.api.VmEvent v) {
            vm(v);
        }
    }

    /**
     * A vm-tier session's VM failed (its running commands are lost) or was restarted: pushed to
     * the session's followers and to the subscribers of its running processes, each once.
     */
    void vm(dev.palisade.api.VmEvent v) {
        String line = "{\"event\":\"vm\",\"session\":" + Json.str(sessionId) + ",\"action\":" + Json.str(v.action())
                + ",\"restarts\":" + v.restarts() + ",\"cause\":" + Json.str(v.cause()) + "}";
        java.util.Set<Outbox> to = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        synchronized (this) {
            to.addAll(followers);
            for (DaemonProcess q : processes.values()) {
                if (q.outcome() == null) {
                    to.addAll(q.subscribers());
                }
            }
        }
        for (Outbox o : to) {
            o.put(line);
        }
    }

    /**
     * Pushes a violation to every connection that follows the session, and to the subscribers of
     * {@code p} (or, with no process, of every running process of the session), each once.
     */
    void violation(DaemonProcess p, ViolationEvent v) {
        String line = "{\"event\":\"violation\",\"session\":" + Json.str(sessionId)
                + (p == null ? "" : ",\"process\":" + Json.str(p.id())) + ",\"layer\":" + Json.str(v.layer())
                + ",\"action\":" + Json.str(v.action()) + ",\"target\":" + Json.str(v.target()) + ",\"rule\":"
                + Json.str(v.rule()) + "}";
        java.util.Set<Outbox> to = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        synchronized (this) {
            to.addAll(followers);
            if (p != null) {
                to.addAll(p.subscribers());
            } else {
                for (DaemonProcess q : processes.values()) {
                    if (q.outcome() == null) {
                        to.addAll(q.subscribers());
                    }
                }
            }
        }
        for (Outbox o : to) {
            o.put(line);
        }
    }

    /** A session state change ({@code created}, {@code closing}, {@code closed}) to its followers. */
    void state(String state) {
        String line = "{\"event\":\"session\",\"session\":" + Json.str(sessionId) + ",\"state\":" + Json.str(state) + "}";
        for (Outbox o : followers) {
            o.put(line);
        }
    }

    /** After {@code closed}: nobody follows a session that is gone. */
    void clearFollowers() {
        followers.clear();
    }

    /**
     * Registers a new process: it gets the session's followers as subscribers (with {@code first},
     * the connection that started it, if it subscribed) and they get its {@code process} event, all
     * before its first output can be published.
     */
    synchronized void started(DaemonProcess p, Outbox first) {
        processes.put(p.id(), p);
        if (first != null) {
            p.subscribers().add(first);
        }
        String line = processEvent(p);
        for (Outbox o : followers) {
            o.put(line);
            if (o != first) {
                p.subscribers().add(o);
            }
        }
    }

    private String processEvent(DaemonProcess p) {
        StringBuilder b = new StringBuilder("{\"event\":\"process\",\"session\":").append(Json.str(sessionId))
                .append(",\"process\":").append(Json.str(p.id())).append(",\"argv\":[");
        for (int i = 0; i < p.argv().size(); i++) {
            b.append(i > 0 ? "," : "").append(Json.str(p.argv().get(i)));
        }
        return b.append("]}").toString();
    }

    /** Fans one output event out to the process's subscribers and keeps it for replay. */
    synchronized void output(DaemonProcess p, String stream, byte[] line, int dataBytes) {
        replay.add(new Buffered(p.id(), stream, line, dataBytes));
        replayBytes += dataBytes;
        // Counted in output bytes; the newest event stays even if it alone is larger (a 1 MiB read).
        while (replayBytes > REPLAY_BUDGET && replay.size() > 1) {
            Buffered b = replay.poll();
            replayBytes -= b.dataBytes();
            long[] n = dropped.computeIfAbsent(b.process() + "\0" + b.stream(), k -> new long[2]);
            n[0] += b.dataBytes();
            n[1]++;
        }
        for (Outbox s : p.subscribers()) {
            s.offer(p.id(), stream, line, dataBytes);
        }
    }

    /** Records the outcome and sends the exit event to the process's subscribers. */
    synchronized void exited(DaemonProcess p, String exitLine) {
        p.finish();
        for (Outbox s : p.subscribers()) {
            s.putExit(p.id(), exitLine);
        }
    }

    /**
     * {@code subscribe} to one process: an ended process's exit is pushed at once (its output is
     * over), a running one gets {@code o} as a subscriber.
     *
     * @return whether it still runs
     */
    synchronized boolean subscribe(DaemonProcess p, Outbox o) {
        if (p.outcome() != null) {
            o.put(p.exitEvent());
            return false;
        }
        if (!p.subscribers().contains(o)) {
            p.subscribers().add(o);
        }
        return true;
    }

    /**
     * {@code session.subscribe}: with {@code replay}, first a {@code lost} event per process and stream
     * whose oldest output no longer fits the buffer, a {@code process} event for every process of the
     * session, the buffered output, and the exit of every ended process; then every running and
     * future process's events.
     */
    synchronized void follow(Outbox o, boolean withReplay) {
        if (withReplay) {
            // A process this connection already follows has sent it its events: no second copy.
            java.util.Set<String> known = new java.util.HashSet<>();
            for (DaemonProcess p : processes.values()) {
                if (p.subscribers().contains(o)) {
                    known.add(p.id());
                }
            }
            for (Map.Entry<String, long[]> e : dropped.entrySet()) {
                String[] k = e.getKey().split("\0", 2);
                if (!known.contains(k[0])) {
                    o.put("{\"event\":\"lost\",\"session\":" + Json.str(sessionId) + ",\"process\":" + Json.str(k[0])
                            + ",\"stream\":" + Json.str(k[1]) + ",\"bytes\":" + e.getValue()[0] + ",\"chunks\":"
                            + e.getValue()[1] + ",\"replay\":true}");
                }
            }
            List<DaemonProcess> all = processes.values().stream()
                    .sorted(java.util.Comparator.comparingInt(DaemonProcess::number)).toList();
            for (DaemonProcess p : all) {
                o.put(processEvent(p));
            }
            for (Buffered b : replay) {
                if (!known.contains(b.process())) {
                    o.putLine(b.line());
                }
            }
            for (DaemonProcess p : all) {
                if (p.outcome() != null && !known.contains(p.id())) {
                    o.put(p.exitEvent());
                }
            }
        } else {
            for (DaemonProcess p : processes.values()) {
                if (p.outcome() == null) {
                    o.put(processEvent(p));
                }
            }
        }
        for (DaemonProcess p : processes.values()) {
            if (p.outcome() == null && !p.subscribers().contains(o)) {
                p.subscribers().add(o);
            }
        }
        if (!followers.contains(o)) {
            followers.add(o);
        }
    }

    /** A connection that ends follows nothing any more. */
    void unfollow(Outbox o) {
        followers.remove(o);
        for (DaemonProcess p : processes.values()) {
            p.subscribers().remove(o);
        }
    }
}
