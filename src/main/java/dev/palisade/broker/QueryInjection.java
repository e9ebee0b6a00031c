package dev.palisade.broker;

import java.util.Objects;

/**
 * The secret goes in a query parameter of the request target: the client sends
 * {@code ?parameter=<placeholder>} and the broker puts the (percent-encoded) secret there.
 *
 * @param parameter the parameter name, as it appears in the URL
 */
public record QueryInjection(String parameter) implements Injection {
    /** Validates. */
    public QueryInjection {
        Objects.requireNonNull(parameter, "parameter");
        // RFC 3986 §3.4 unreserved characters only, so the name needs no decoding to compare.
        if (!parameter.matches("[A-Za-z0-9._~-]+")) {
            throw new IllegalArgumentException("invalid query parameter name '" + parameter + "'");
        }
    }
}
