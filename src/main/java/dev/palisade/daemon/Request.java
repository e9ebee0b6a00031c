package dev.palisade.daemon;

import java.util.Objects;

import tools.jackson.databind.node.ObjectNode;

/**
 * One decoded request.
 *
 * @param id the caller's id, echoed in the reply
 * @param op the operation
 * @param body the whole request object, for the operation's own fields
 */
record Request(String id, String op, ObjectNode body) {
    Request {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(body, "body");
    }

    String text(String field) throws ProtocolException {
        var n = body.get(field);
        if (n == null || n.isNull()) {
            throw new ProtocolException("missing-field", "field '" + field + "' is required");
        }
        if (!n.isString()) {
            throw new ProtocolException("wrong-type", "field '" + field + "' must be a string");
        }
        return n.asString();
    }

    String optText(String field) throws ProtocolException {
        var n = body.get(field);
        return n == null || n.isNull() ? null : text(field);
    }
}
