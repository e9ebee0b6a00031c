package dev.palisade.broker;

import java.util.Objects;

/**
 * One header or trailer field of an HTTP/1.1 message (RFC 9110 §5).
 *
 * @param name the name as received (compared case-insensitively)
 * @param value the value, without surrounding white space
 */
record HttpField(String name, String value) {
    HttpField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    boolean is(String other) {
        return name.equalsIgnoreCase(other);
    }
}
