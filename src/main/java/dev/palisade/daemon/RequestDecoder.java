package dev.palisade.daemon;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns one frame (a line of JSON, RFC 8259) into a {@link Request}, or a {@link ProtocolException}
 * that names the problem. Never throws anything else: the fuzz test holds it to that.
 */
final class RequestDecoder {
    /** Largest frame accepted, newline excluded. */
    static final int MAX_FRAME = 1 << 20;
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private RequestDecoder() {
    }

    static Request decode(byte[] frame, int length) throws ProtocolException {
        if (length > MAX_FRAME) {
            throw new ProtocolException("frame-too-large", "a request may be at most " + MAX_FRAME + " bytes");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(frame, 0, length);
        } catch (JacksonException e) {
            throw new ProtocolException("malformed-json", "not valid JSON: " + e.getOriginalMessage());
        } catch (RuntimeException e) {
            throw new ProtocolException("malformed-json", "not valid JSON: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || !(tree instanceof ObjectNode obj)) {
            throw new ProtocolException("not-an-object", "a request must be a JSON object");
        }
        JsonNode id = obj.get("id");
        if (id == null || !(id.isString() || id.isIntegralNumber())) {
            throw new ProtocolException("missing-id", "field 'id' must be a string or an integer");
        }
        JsonNode op = obj.get("op");
        if (op == null || !op.isString()) {
            throw new ProtocolException("missing-op", "field 'op' must be a string");
        }
        return new Request(id.asString(), op.asString(), obj);
    }
}
