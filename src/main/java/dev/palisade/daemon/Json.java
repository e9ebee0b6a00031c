package dev.palisade.daemon;

import dev.palisade.api.EventJson;

/** JSON string literals (RFC 8259 section 7) for hand-built frames on the hot output path. */
final class Json {
    private Json() {
    }

    static String str(String s) {
        return EventJson.quote(s);
    }
}
