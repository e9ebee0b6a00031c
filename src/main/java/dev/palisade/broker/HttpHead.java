package dev.palisade.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The start line and fields of an HTTP/1.1 request or response (RFC 9112 §2.1).
 *
 * @param startLine the request line or status line, without CRLF
 * @param fields the header fields in order
 */
record HttpHead(String startLine, List<HttpField> fields) {
    HttpHead {
        Objects.requireNonNull(startLine, "startLine");
        fields = List.copyOf(fields);
    }

    /** The values of every field with this name, in order. */
    List<String> values(String name) {
        List<String> out = new ArrayList<>();
        for (HttpField f : fields) {
            if (f.is(name)) {
                out.add(f.value());
            }
        }
        return out;
    }

    /** Whether a comma-separated field (e.g. Connection) lists a token, case-insensitively. */
    boolean hasToken(String name, String token) {
        for (String v : values(name)) {
            for (String t : v.split(",")) {
                if (t.strip().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    HttpHead without(String name) {
        return new HttpHead(startLine, fields.stream().filter(f -> !f.is(name)).toList());
    }

    HttpHead with(String name, String value) {
        List<HttpField> out = new ArrayList<>(fields);
        out.add(new HttpField(name, value));
        return new HttpHead(startLine, out);
    }

    HttpHead withStartLine(String line) {
        return new HttpHead(line, fields);
    }

    /** A copy with every field value passed through {@code f}. */
    HttpHead mapValues(UnaryOperator<String> f) {
        return new HttpHead(startLine, fields.stream().map(h -> new HttpField(h.name(), f.apply(h.value()))).toList());
    }

    /** The start line's parts split on single spaces (method, target, version / version, code, reason). */
    String[] startParts() {
        return startLine.split(" ", 3);
    }

    /** The status code of a response head. */
    int status() throws IOException {
        String[] p = startParts();
        if (p.length < 2 || !p[0].startsWith("HTTP/1.") || !p[1].matches("[1-5][0-9][0-9]")) {
            throw new IOException("malformed status line from upstream");
        }
        return Integer.parseInt(p[1]);
    }

    /** The method of a request head, upper-case as sent. */
    String method() {
        return startParts()[0];
    }

    /** The HTTP version of a request (third part) or response (first part), upper case. */
    String requestVersion() {
        String[] p = startParts();
        return p.length == 3 ? p[2].toUpperCase(Locale.ROOT) : "";
    }

    void writeTo(OutputStream out) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        sb.append(startLine).append("\r\n");
        for (HttpField f : fields) {
            sb.append(f.name()).append(": ").append(f.value()).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }
}
