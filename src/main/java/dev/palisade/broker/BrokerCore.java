package dev.palisade.broker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** What every intercepted tunnel of a session shares. */
final class BrokerCore {
    private final List<Binding> bindings;
    private final RequestRewriter rewriter;
    private final ViolationReporter violations;
    private final UpstreamTls upstreamTls;

    BrokerCore(List<Binding> bindings, ViolationReporter violations, UpstreamTls upstreamTls) {
        this.bindings = List.copyOf(bindings);
        this.rewriter = new RequestRewriter(this.bindings);
        this.violations = violations;
        this.upstreamTls = upstreamTls;
    }

    List<Binding> bindings() {
        return bindings;
    }

    RequestRewriter rewriter() {
        return rewriter;
    }

    ViolationReporter violations() {
        return violations;
    }

    UpstreamTls upstreamTls() {
        return upstreamTls;
    }

    /** A fresh replacer of every current secret by its placeholder, for one response. */
    StreamReplacer masker() {
        List<byte[]> secrets = new ArrayList<>();
        List<byte[]> placeholders = new ArrayList<>();
        for (Binding b : bindings) {
            secrets.add(b.secret().peek().getBytes(StandardCharsets.UTF_8));
            placeholders.add(b.placeholder().getBytes(StandardCharsets.US_ASCII));
            // A query-parameter secret may be echoed in its URL-encoded form too.
            String encoded = RequestRewriter.percentEncode(b.secret().peek());
            if (!encoded.equals(b.secret().peek())) {
                secrets.add(encoded.getBytes(StandardCharsets.US_ASCII));
                placeholders.add(b.placeholder().getBytes(StandardCharsets.US_ASCII));
            }
        }
        return new StreamReplacer(secrets, placeholders);
    }

    /** A fresh detector of every placeholder, for one request body. */
    PlaceholderScanner scanner() {
        return new PlaceholderScanner(bindings.stream().map(Binding::placeholder).toList());
    }
}
