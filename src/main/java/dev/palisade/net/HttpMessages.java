package dev.palisade.net;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Strict parsing of HTTP/1.1 request and response heads for the proxy (RFC 9112). Anything that
 * two implementations could read differently is refused: obs-fold, whitespace before the colon,
 * bare CR/LF, both Content-Length and Transfer-Encoding, repeated Content-Length, any
 * Transfer-Encoding other than exactly {@code chunked} (RFC 9112 §6.1, §6.3).
 */
final class HttpMessages {
    static final int MAX_LINE = 8 * 1024;
    static final int MAX_HEADERS = 100;
    static final int MAX_HEAD_BYTES = 64 * 1024;

    private HttpMessages() {
    }

    /** A header field as received (name case preserved), value without surrounding whitespace. */
    record Header(String name, String value) {
    }

    /** How a message body is delimited. */
    enum BodyKind {
        NONE, LENGTH, CHUNKED, UNTIL_CLOSE
    }

    /**
     * Body framing.
     *
     * @param kind the kind
     * @param length the length for {@link BodyKind#LENGTH}
     */
    record Framing(BodyKind kind, long length) {
        static final Framing NONE = new Framing(BodyKind.NONE, 0);
    }

    /**
     * A parsed proxy request head.
     *
     * @param method the method
     * @param version "HTTP/1.1" or "HTTP/1.0"
     * @param headers the header fields in order
     * @param host the target host exactly as in the request target (brackets kept for IPv6)
     * @param port the target port text ("80" when absolute-form has none)
     * @param path the origin-form path and query to send upstream; null for CONNECT
     * @param framing the request body framing
     * @param keepAlive whether the client wants the connection kept after this exchange
     */
    record Request(String method, String version, List<Header> headers, String host, String port, String path,
            Framing framing, boolean keepAlive) {
        boolean isConnect() {
            return method.equals("CONNECT");
        }

        boolean expectsContinue() {
            return headers.stream().anyMatch(h -> h.name().equalsIgnoreCase("expect")
                    && h.value().equalsIgnoreCase("100-continue"));
        }
    }

    /**
     * A parsed response head.
     *
     * @param statusLine the status line as received
     * @param status the status code
     * @param headers the header fields
     * @param framing the body framing
     * @param close whether the upstream will close after this response
     */
    record Response(String statusLine, int status, List<Header> headers, Framing framing, boolean close) {
    }

    /**
     * Reads a request head.
     *
     * @return the request, or null on EOF before it starts
     */
    static Request readRequest(HttpReader r) throws IOException, HttpException {
        String line = r.readLine(MAX_LINE);
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ", -1);
        if (parts.length != 3) {
            throw new HttpException(400, "malformed request line");
        }
        String method = parts[0];
        String target = parts[1];
        String version = parts[2];
        if (method.isEmpty() || !isToken(method)) {
            throw new HttpException(400, "malformed method");
        }
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new HttpException(505, "only HTTP/1.0 and HTTP/1.1 are supported");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new HttpException(400, "invalid character in request target");
            }
        }
        List<Header> headers = readHeaders(r);
        boolean http10 = version.equals("HTTP/1.0");
        Framing framing = requestFraming(headers, http10);
        boolean keepAlive = keepAlive(headers, http10);
        if (method.equals("CONNECT")) {
            if (framing.kind() != BodyKind.NONE) {
                throw new HttpException(400, "CONNECT with a body");
            }
            String[] hp = splitAuthority(target, null);
            return new Request(method, version, headers, hp[0], hp[1], null, framing, keepAlive);
        }
        if (target.regionMatches(true, 0, "https://", 0, 8)) {
            throw new HttpException(400, "https URLs go through CONNECT");
        }
        if (!target.regionMatches(true, 0, "http://", 0, 7)) {
            throw new HttpException(400, "not a proxy request: the target must be an absolute http:// URL");
        }
        String rest = target.substring(7);
        if (rest.indexOf('#') >= 0) {
            throw new HttpException(400, "fragment in request target");
        }
        int cut = rest.length();
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '/' || c == '?') {
                cut = i;
                break;
            }
        }
        String[] hp = splitAuthority(rest.substring(0, cut), "80");
        String path = rest.substring(cut);
        if (path.isEmpty()) {
            path = "/";
        } else if (path.charAt(0) == '?') {
            path = "/" + path;
        }
        return new Request(method, version, headers, hp[0], hp[1], path, framing, keepAlive);
    }

    /**
     * Splits {@code host[:port]} or {@code [v6][:port]}. The host is returned as given, for the
     * policy to canonicalize; only the structure is checked here.
     */
    static String[] splitAuthority(String auth, String defaultPort) throws HttpException {
        if (auth.isEmpty()) {
            throw new HttpException(400, "empty authority");
        }
        String host;
        String port;
        if (auth.startsWith("[")) {
            int close = auth.indexOf(']');
            if (close < 0) {
                throw new HttpException(400, "unterminated IPv6 literal");
            }
            host = auth.substring(0, close + 1);
            String rest = auth.substring(close + 1);
            if (rest.isEmpty()) {
                port = defaultPort;
            } else if (rest.startsWith(":")) {
                port = rest.substring(1);
            } else {
                throw new HttpException(400, "garbage after IPv6 literal");
            }
        } else {
            int colon = auth.lastIndexOf(':');
            if (colon >= 0 && auth.indexOf(':') != colon) {
                throw new HttpException(400, "IPv6 literals must be in brackets");
            }
            host = colon < 0 ? auth : auth.substring(0, colon);
            port = colon < 0 ? defaultPort : auth.substring(colon + 1);
        }
        if (port == null) {
            throw new HttpException(400, "CONNECT target needs a port");
        }
        return new String[] {host, port};
    }

    /** Reads header lines up to the empty line. */
    static List<Header> readHeaders(HttpReader r) throws IOException, HttpException {
        List<Header> headers = new ArrayList<>();
        int total = 0;
        while (true) {
            String line = r.readLine(MAX_LINE);
            if (line == null) {
                throw new java.io.EOFException("connection closed inside the header");
            }
            if (line.isEmpty()) {
                return headers;
            }
            total += line.length() + 2;
            if (headers.size() >= MAX_HEADERS || total > MAX_HEAD_BYTES) {
                throw new HttpException(431, "header too large");
            }
            char first = line.charAt(0);
            if (first == ' ' || first == '\t') {
                throw new HttpException(400, "obsolete line folding");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new HttpException(400, "malformed header field");
            }
            String name = line.substring(0, colon);
            if (!isToken(name)) {
                throw new HttpException(400, "malformed header name");
            }
            String value = trimOws(line.substring(colon + 1));
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new HttpException(400, "control character in header value");
                }
            }
            headers.add(new Header(name, value));
        }
    }

    private static Framing requestFraming(List<Header> headers, boolean http10) throws HttpException {
        String cl = null;
        String te = null;
        for (Header h : headers) {
            String n = h.name().toLowerCase(Locale.ROOT).replace('_', '-');
            if (n.equals("content-length")) {
                if (cl != null || !h.name().equalsIgnoreCase("content-length")) {
                    throw new HttpException(400, "ambiguous Content-Length");
                }
                cl = h.value();
            } else if (n.equals("transfer-encoding")) {
                if (te != null || !h.name().equalsIgnoreCase("transfer-encoding")) {
                    throw new HttpException(400, "ambiguous Transfer-Encoding");
                }
                te = h.value();
            }
        }
        if (te != null) {
            if (cl != null) {
                throw new HttpException(400, "both Content-Length and Transfer-Encoding");
            }
            if (http10 || !te.equalsIgnoreCase("chunked")) {
                throw new HttpException(400, "unsupported Transfer-Encoding");
            }
            return new Framing(BodyKind.CHUNKED, 0);
        }
        if (cl != null) {
            long n = contentLength(cl);
            if (n < 0) {
                throw new HttpException(400, "invalid Content-Length");
            }
            return n == 0 ? Framing.NONE : new Framing(BodyKind.LENGTH, n);
        }
        return Framing.NONE;
    }

    /** Reads a response head. */
    static Response readResponse(HttpReader r, String requestMethod) throws IOException, HttpException {
        String line = r.readLine(MAX_LINE);
        if (line == null) {
            throw new java.io.EOFException("upstream closed before responding");
        }
        if (line.length() < 12 || !(line.startsWith("HTTP/1.1 ") || line.startsWith("HTTP/1.0 "))
                || (line.length() > 12 && line.charAt(12) != ' ')) {
            throw new HttpException(502, "malformed upstream status line");
        }
        int status;
        try {
            String code = line.substring(9, 12);
            if (!code.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new HttpException(502, "malformed upstream status code");
            }
            status = Integer.parseInt(code);
        } catch (NumberFormatException e) {
            throw new HttpException(502, "malformed upstream status code");
        }
        if (status < 100) {
            throw new HttpException(502, "malformed upstream status code");
        }
        List<Header> headers;
        try {
            headers = readHeaders(r);
        } catch (HttpException e) {
            throw new HttpException(502, "upstream: " + e.getMessage());
        }
        boolean http10 = line.startsWith("HTTP/1.0");
        boolean close = !keepAlive(headers, http10);
        if (requestMethod.equals("HEAD") || (status >= 100 && status < 200) || status == 204 || status == 304) {
            return new Response(line, status, headers, Framing.NONE, close);
        }
        String te = null;
        String cl = null;
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase("transfer-encoding")) {
                te = te == null ? h.value() : te + "," + h.value();
            } else if (h.name().equalsIgnoreCase("content-length")) {
                if (cl != null && !cl.equals(h.value())) {
                    throw new HttpException(502, "upstream sent conflicting Content-Length");
                }
                cl = h.value();
            }
        }
        if (te != null) {
            if (te.equalsIgnoreCase("chunked")) {
                return new Response(line, status, headers, new Framing(BodyKind.CHUNKED, 0), close);
            }
            return new Response(line, status, headers, new Framing(BodyKind.UNTIL_CLOSE, 0), true);
        }
        if (cl != null) {
            long n = contentLength(cl);
            if (n < 0) {
                throw new HttpException(502, "upstream sent invalid Content-Length");
            }
            return new Response(line, status, headers, new Framing(BodyKind.LENGTH, n), close);
        }
        return new Response(line, status, headers, new Framing(BodyKind.UNTIL_CLOSE, 0), true);
    }

    /** 1 to 18 digits, else -1. */
    static long contentLength(String v) {
        if (v.isEmpty() || v.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** Whether the sender keeps the connection open (RFC 9112 §9.3). */
    static boolean keepAlive(List<Header> headers, boolean http10) {
        boolean close = false;
        boolean keep = false;
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase("connection") || h.name().equalsIgnoreCase("proxy-connection")) {
                for (String t : h.value().split(",")) {
                    String tok = trimOws(t);
                    close |= tok.equalsIgnoreCase("close");
                    keep |= tok.equalsIgnoreCase("keep-alive");
                }
            }
        }
        return !close && (!http10 || keep);
    }

    /** Header names the proxy never forwards (RFC 9110 §7.6.1), plus those listed in Connection. */
    static boolean isHopByHop(String name, List<Header> headers) {
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "connection", "proxy-connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "te",
                    "trailer", "upgrade", "transfer-encoding", "expect", "http2-settings" -> {
                return true;
            }
            default -> {
                for (Header h : headers) {
                    if (h.name().equalsIgnoreCase("connection")) {
                        for (String t : h.value().split(",")) {
                            if (trimOws(t).equalsIgnoreCase(n)) {
                                return true;
                            }
                        }
                    }
                }
                return false;
            }
        }
    }

    static String trimOws(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
            a++;
        }
        while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
            b--;
        }
        return s.substring(a, b);
    }

    /** RFC 9110 §5.6.2 token. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
