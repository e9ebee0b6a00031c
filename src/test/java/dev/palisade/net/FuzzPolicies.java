package dev.palisade.net;

import java.net.InetAddress;
import java.util.List;

/** A policy for fuzz targets: only {@code allowed.test} is reachable, resolved without DNS. */
final class FuzzPolicies {
    private FuzzPolicies() {
    }

    static EgressPolicy onlyAllowedTest() {
        Resolver r = name -> {
            if (!name.equals("allowed.test")) {
                throw new AssertionError("resolver asked for a name no rule allowed: " + name);
            }
            return List.of(InetAddress.getByAddress(name, new byte[] {93, (byte) 184, (byte) 215, 14}));
        };
        return new EgressPolicy(EgressRules.allowing(List.of("allowed.test")), r, e -> { }, "fuzz");
    }

    /** The invariant both proxies rely on: nothing but the allowed name ever gets through. */
    static void checkVerdict(Verdict v) {
        switch (v) {
            case Verdict.Allowed a -> {
                if (!a.host().equals("allowed.test")) {
                    throw new AssertionError("allowed a connection to " + a.host());
                }
            }
            case Verdict.Denied d -> {
                if (d.target().isEmpty()) {
                    throw new AssertionError("refusal without a target");
                }
            }
        }
    }

}
