package dev.palisade.vm;

/** The type byte of a frame; the codes are the wire format and must never be renumbered. */
enum FrameType {
    HELLO(1, Scope.CONTROL),
    INIT(2, Scope.CONTROL),
    EXEC(3, Scope.STREAM),
    STDIN(4, Scope.STREAM),
    OUTPUT(5, Scope.STREAM),
    EXIT(6, Scope.STREAM),
    SIGNAL(7, Scope.STREAM),
    HEARTBEAT(8, Scope.CONTROL),
    PROXY_OPEN(9, Scope.STREAM),
    PROXY_DATA(10, Scope.STREAM),
    PROXY_CLOSE(11, Scope.STREAM),
    CREDIT(12, Scope.STREAM),
    ERROR(13, Scope.ANY),
    MOUNT(14, Scope.STREAM),
    ATTACH(15, Scope.STREAM),
    ATTACHED(16, Scope.STREAM),
    PUT_FILE(17, Scope.STREAM);

    /** Which stream ids a type may carry: control frames use stream 0, the others a real stream. */
    enum Scope {
        CONTROL, STREAM, ANY
    }

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    final int code;
    final Scope scope;

    FrameType(int code, Scope scope) {
        this.code = code;
        this.scope = scope;
    }

    /** The type for a wire code, or null when the code is not assigned. */
    static FrameType of(int code) {
        return BY_CODE[code & 0xff];
    }
}
