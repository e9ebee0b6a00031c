package dev.palisade.broker;

/**
 * How a message body is delimited (RFC 9112 §6.3).
 *
 * @param kind the kind
 * @param length the byte count for {@link Kind#LENGTH}, otherwise -1
 */
record Framing(Kind kind, long length) {
    enum Kind { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    static final Framing NONE = new Framing(Kind.NONE, -1);
    static final Framing CHUNKED = new Framing(Kind.CHUNKED, -1);
    static final Framing UNTIL_CLOSE = new Framing(Kind.UNTIL_CLOSE, -1);

    Framing {
        if ((kind == Kind.LENGTH) != (length >= 0)) {
            throw new IllegalArgumentException("length only with LENGTH framing");
        }
    }

    static Framing length(long n) {
        return n == 0 ? NONE : new Framing(Kind.LENGTH, n);
    }
}
