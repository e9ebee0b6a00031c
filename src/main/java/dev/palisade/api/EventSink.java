package dev.palisade.api;

/** Receives events. Implementations must be thread-safe and must not block for long. */
@FunctionalInterface
public interface EventSink {
    /** A sink that drops everything. */
    EventSink NONE = event -> { };

    /**
     * Delivers one event.
     *
     * @param event the event
     */
    void accept(Event event);
}
