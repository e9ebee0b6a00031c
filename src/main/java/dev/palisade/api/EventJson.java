package dev.palisade.api;

import java.util.List;

/**
 * The JSON-lines form of events ({@code --events}, the daemon API): one object a line, with a
 * {@code type} field first. Written by hand so that the {@code run} path does not load a JSON
 * library just to report its exit.
 */
public final class EventJson {
    private EventJson() {
    }

    /**
     * Renders an event as one line of JSON (no trailing newline).
     *
     * @param event the event
     * @return the JSON object
     */
    public static String toJson(Event event) {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"type\":");
        str(b, event.type());
        b.append(",\"time\":");
        str(b, event.time().toString());
        b.append(",\"session\":");
        str(b, event.sessionId());
        switch (event) {
            case StartEvent s -> {
                b.append(",\"tier\":");
                str(b, s.tier());
                b.append(",\"argv\":");
                strings(b, s.argv());
                b.append(",\"cwd\":");
                str(b, s.hostCwd());
            }
            case ExitEvent x -> {
                b.append(",\"status\":").append(x.status());
                b.append(",\"signal\":").append(x.signal());
                b.append(",\"reason\":");
                str(b, x.reason());
                b.append(",\"durationMs\":").append(x.duration().toMillis());
            }
            case ViolationEvent v -> {
                b.append(",\"layer\":");
                str(b, v.layer());
                b.append(",\"action\":");
                str(b, v.action());
                b.append(",\"target\":");
                str(b, v.target());
                b.append(",\"rule\":");
                str(b, v.rule());
            }
            case FileEvent f -> {
                b.append(",\"action\":");
                str(b, f.action());
                b.append(",\"path\":");
                str(b, f.path());
                b.append(",\"fromPath\":");
                str(b, f.fromPath());
                b.append(",\"kind\":");
                str(b, f.kind());
            }
            case VmEvent m -> {
                b.append(",\"action\":");
                str(b, m.action());
                b.append(",\"restarts\":").append(m.restarts());
                b.append(",\"cause\":");
                str(b, m.cause());
            }
        }
        return b.append('}').toString();
    }

    private static void strings(StringBuilder b, List<String> values) {
        b.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            str(b, values.get(i));
        }
        b.append(']');
    }

    /**
     * A JSON string literal (RFC 8259 section 7), or {@code null}.
     *
     * @param s the string, or null
     * @return the literal, quotes included
     */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s == null ? 4 : s.length() + 2);
        str(b, s);
        return b.toString();
    }

    /** Appends a JSON string literal (RFC 8259 section 7), or null. */
    static void str(StringBuilder b, String s) {
        if (s == null) {
            b.append("null");
            return;
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
