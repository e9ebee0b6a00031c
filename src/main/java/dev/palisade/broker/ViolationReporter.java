package dev.palisade.broker;

import java.time.Instant;

import dev.palisade.api.EventSink;
import dev.palisade.api.ViolationEvent;

/** Records the broker's refusals and misplaced placeholders as violation events. */
final class ViolationReporter {
    static final String LAYER = "credentials";
    private static final System.Logger LOG = System.getLogger(ViolationReporter.class.getName());

    private final String sessionId;
    private final EventSink sink;

    ViolationReporter(String sessionId, EventSink sink) {
        this.sessionId = sessionId;
        this.sink = sink;
    }

    void report(String action, String target, String rule) {
        LOG.log(System.Logger.Level.INFO, "credential violation: {0} {1} ({2})", action, target, rule);
        sink.accept(new ViolationEvent(Instant.now(), sessionId, LAYER, action, target, rule));
    }
}
