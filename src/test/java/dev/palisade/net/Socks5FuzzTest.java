package dev.palisade.net;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Fuzzes the SOCKS5 greeting and request parser (RFC 1928) together with the policy decision. */
@Tag("fuzz")
class Socks5FuzzTest {
    private static final EgressPolicy POLICY = FuzzPolicies.onlyAllowedTest();

    @FuzzTest(maxDuration = "60s")
    void fuzzSocks5(byte[] data) {
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        try {
            if (!Socks5.readGreeting(in)) {
                return;
            }
            Socks5.Request req = Socks5.readRequest(in);
            if (req.port() < 0 || req.port() > 65535) {
                throw new AssertionError("port out of range: " + req.port());
            }
            FuzzPolicies.checkVerdict(POLICY.decide(req.host(), req.port()));
        } catch (Socks5.SocksException | IOException expected) {
            // a declared refusal or a truncated message
        }
    }
}
