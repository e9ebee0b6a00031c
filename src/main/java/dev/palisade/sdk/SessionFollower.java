package dev.palisade.sdk;

import java.util.ArrayDeque;
import java.util.List;

/**
 * One {@link Session#subscribe} subscription: the reader queues its events, a delivery virtual thread
 * (started whenever the queue turns non-empty) hands them to the listener in order.
 */
final class SessionFollower {
    private static final System.Logger LOG = System.getLogger("palisade.sdk");
    private final String session;
    private final SessionListener listener;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean draining;

    SessionFollower(String session, SessionListener listener) {
        this.session = session;
        this.listener = listener;
    }

    String session() {
        return session;
    }

    void process(SandboxProcess p, List<String> argv) {
        enqueue(() -> listener.process(p, argv));
    }

    void state(String state) {
        enqueue(() -> listener.state(state));
    }

    void violation(Violation v) {
        enqueue(() -> listener.violation(v));
    }

    private synchronized void enqueue(Runnable r) {
        queue.add(r);
        if (!draining) {
            draining = true;
            Thread.ofVirtual().name("palisade-session-" + session).start(this::drain);
        }
    }

    private void drain() {
        while (true) {
            Runnable r;
            synchronized (this) {
                r = queue.poll();
                if (r == null) {
                    draining = false;
                    return;
                }
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "session listener of " + session + " failed", e);
            }
        }
    }
}
