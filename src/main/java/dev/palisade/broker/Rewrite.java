package dev.palisade.broker;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the broker does with one request head.
 *
 * @param head the head to send upstream
 * @param injected the secrets put into it, by binding (for a refresh after a 401)
 * @param misplaced where a placeholder was seen but not replaced ("header X-Debug", "URL")
 * @param refusal null, or why the request is refused without being sent upstream
 * @param refusalStatus the status of the refusal (403, 421)
 */
record Rewrite(HttpHead head, Map<Binding, String> injected, List<String> misplaced, String refusal,
        int refusalStatus) {
    Rewrite {
        Objects.requireNonNull(head, "head");
        injected = Map.copyOf(injected);
        misplaced = List.copyOf(misplaced);
    }
}
