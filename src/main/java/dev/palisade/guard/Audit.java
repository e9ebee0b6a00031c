package dev.palisade.guard;

import dev.palisade.api.EventSink;
import dev.palisade.api.FileEvent;
import dev.palisade.api.ViolationEvent;
import java.time.Instant;
import java.util.List;

/** Turns what the guard did and refused into events, with host paths. */
final class Audit {
    private static final System.Logger LOG = System.getLogger(Audit.class.getName());

    private final String sessionId;
    private final HostTree tree;
    private final EventSink sink;

    Audit(String sessionId, HostTree tree, EventSink sink) {
        this.sessionId = sessionId;
        this.tree = tree;
        this.sink = sink;
    }

    private void emit(dev.palisade.api.Event e) {
        try {
            sink.accept(e);
        } catch (RuntimeException x) {
            // a failing consumer must not turn into an I/O error inside the sandbox
            LOG.log(System.Logger.Level.WARNING, "event sink failed", x);
        }
    }

    void violation(String action, List<String> rel, String rule) {
        emit(new ViolationEvent(Instant.now(), sessionId, "filesystem", action, tree.hostPath(rel).toString(), rule));
    }

    void file(String action, List<String> rel, String kind) {
        emit(new FileEvent(Instant.now(), sessionId, action, tree.hostPath(rel).toString(), null, kind));
    }

    void renamed(List<String> from, List<String> to, String kind) {
        emit(new FileEvent(Instant.now(), sessionId, "renamed", tree.hostPath(to).toString(),
                tree.hostPath(from).toString(), kind));
    }
}
