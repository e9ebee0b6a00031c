package dev.palisade.net;

/** A request the HTTP proxy answers with an error status and then closes the connection. */
final class HttpException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    HttpException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
