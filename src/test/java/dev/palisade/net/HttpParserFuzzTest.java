package dev.palisade.net;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the HTTP proxy's parsers. Without JAZZER_FUZZ it replays the committed corpus under
 * {@code HttpParserFuzzTestInputs/}; with JAZZER_FUZZ=1 it fuzzes. Only the parsers' declared
 * refusals may escape; anything else, or an allowed connection to another host, is a finding.
 */
@Tag("fuzz")
class HttpParserFuzzTest {
    private static final EgressPolicy POLICY = FuzzPolicies.onlyAllowedTest();
    private static final SessionQuota QUOTA = new SessionQuota(1, Long.MAX_VALUE);

    @FuzzTest(maxDuration = "60s")
    void fuzzRequests(byte[] data) {
        HttpReader r = new HttpReader(new ByteArrayInputStream(data));
        try {
            for (int i = 0; i < 8; i++) {
                HttpMessages.Request req = HttpMessages.readRequest(r);
                if (req == null) {
                    return;
                }
                FuzzPolicies.checkVerdict(POLICY.decide(req.host(), req.port()));
                if (req.isConnect()) {
                    return;
                }
                if (!req.path().startsWith("/")) {
                    throw new AssertionError("origin-form path without a leading slash: " + req.path());
                }
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                Bodies.relay(r, body, req.framing(), QUOTA);
            }
        } catch (HttpException | IOException expected) {
            // a declared refusal or a truncated message
        }
    }

    @FuzzTest(maxDuration = "60s")
    void fuzzResponses(byte[] data) {
        HttpReader r = new HttpReader(new ByteArrayInputStream(data));
        try {
            HttpMessages.Response resp = HttpMessages.readResponse(r, "GET");
            Bodies.relay(r, null, resp.framing(), QUOTA);
        } catch (HttpException | IOException expected) {
            // a declared refusal or a truncated message
        }
    }

    @FuzzTest(maxDuration = "60s")
    void fuzzHostCanonicalization(FuzzedDataProvider data) {
        String raw = data.consumeRemainingAsString();
        Host h;
        try {
            h = Host.parse(raw);
        } catch (MalformedTargetException expected) {
            return;
        }
        // Canonical forms are fixed points: parsing the canonical text gives the same host.
        Host again;
        try {
            again = Host.parse(h.text());
        } catch (MalformedTargetException e) {
            throw new AssertionError("canonical form '" + h.text() + "' of '" + raw + "' is refused", e);
        }
        if (!again.equals(h)) {
            throw new AssertionError("'" + raw + "' canonicalizes to " + h + " but that re-parses as " + again);
        }
        FuzzPolicies.checkVerdict(POLICY.decide(raw, 443));
    }
}
