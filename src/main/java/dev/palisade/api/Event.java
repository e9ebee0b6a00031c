package dev.palisade.api;

import java.time.Instant;

/**
 * Something that happened in a session, delivered to callbacks and written as one JSON object a
 * line on {@code --events}. A closed set: consumers switch over it exhaustively.
 */
public sealed interface Event permits StartEvent, ExitEvent, ViolationEvent, FileEvent, VmEvent {
    /** When the event happened. */
    Instant time();

    /** The session it belongs to. */
    String sessionId();

    /** The {@code type} field of the JSON form ("start", "exit", "violation", ...). */
    String type();
}
