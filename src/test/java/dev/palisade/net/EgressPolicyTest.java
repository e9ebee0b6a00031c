package dev.palisade.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.palisade.api.Event;
import dev.palisade.api.ViolationEvent;

class EgressPolicyTest {
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger lookups = new AtomicInteger();

    private final Resolver resolver = name -> {
        lookups.incrementAndGet();
        return switch (name) {
            case "allowed.test", "api.allowed.test", "xn--bcher-kva.test" -> List.of(ip("127.0.0.1"));
            case "metadata.test" -> List.of(ip("169.254.169.254"));
            case "mixed.test" -> List.of(ip("93.184.215.14"), ip("10.0.0.1"));
            case "public.test" -> List.of(ip("2606:4700::1"), ip("93.184.215.14"));
            case "nat64.test" -> List.of(ip("64:ff9b::7f00:1"));
            case "cgnat.test" -> List.of(ip("100.64.1.1"));
            case "denyrange.test" -> List.of(ip("93.184.216.34"));
            default -> throw new UnknownHostException(name);
        };
    };

    private EgressPolicy policy(List<String> allowed, List<String> denied) {
        EgressRules rules = new EgressRules(allowed, denied, List.of("127.0.0.1/32"), List.of(), 10, 1000);
        return new EgressPolicy(rules, resolver, events::add, "test-session");
    }

    private final EgressPolicy standard = policy(
            List.of("allowed.test", "*.wild.test", "bücher.test", "metadata.test", "mixed.test", "public.test",
                    "nat64.test", "cgnat.test", "denyrange.test", "ports.test:443", "10.1.2.3"),
            List.of("blocked.wild.test", "93.184.216.0/24"));

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private Verdict decide(String host, String port) {
        return standard.decide(host, port);
    }

    @Test
    void allowsAnExactNameAndConnectsToTheResolvedAddress() {
        Verdict v = decide("allowed.test", "443");
        assertThat(v).isInstanceOf(Verdict.Allowed.class);
        Verdict.Allowed a = (Verdict.Allowed) v;
        assertThat(a.host()).isEqualTo("allowed.test");
        assertThat(a.address()).isEqualTo(ip("127.0.0.1"));
        assertThat(a.rule()).isEqualTo("network.allowedDomains: allowed.test");
        assertThat(events).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ALLOWED.TEST", "Allowed.Test", "allowed.test."})
    void matchesCaseInsensitivelyAndIgnoresOneTrailingDot(String host) {
        assertThat(decide(host, "80")).isInstanceOf(Verdict.Allowed.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"allowed.test..", ".allowed.test", "allowed..test", "allowed.test\u0000", "allowed.test ",
        " allowed.test", "allowed%2etest", "user@allowed.test", "allowed.test\r\nx", "allowed.test/x",
        "allowed.test#", "allowed.test\t", "allowed.test\u200b", "-allowed.test", "xn--zz.test", "allowed.test%25eth0",
        "[::1%25eth0]", "[::1%eth0]", "[::1", "::1]", "allowed.test\u0085", "a\\b.test"})
    void refusesMalformedHosts(String host) {
        Verdict v = decide(host, "443");
        assertThat(v).isInstanceOfSatisfying(Verdict.Denied.class, d -> assertThat(d.kind()).isEqualTo(Verdict.Kind.MALFORMED));
        assertThat(events).singleElement().isInstanceOfSatisfying(ViolationEvent.class, e -> {
            assertThat(e.layer()).isEqualTo("network");
            assertThat(e.action()).isEqualTo("connect");
            assertThat(e.sessionId()).isEqualTo("test-session");
        });
        assertThat(lookups).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1", "0x7f.1", "0x7F000001", "2130706433", "0177.0.0.1", "017700000001",
        "127.0.1", "127.0.0.1.", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[64:ff9b::7f00:1]", "[0:0:0:0:0:0:0:1]",
        "169.254.169.254", "0xa9fea9fe", "[fe80::1]", "0", "0.0.0.0", "[::]", "1.1.1.1", "８.８.８.８", "8。8。8。8",
        "[2606:4700::1111]"})
    void refusesIpLiteralsInEverySpelling(String host) {
        Verdict v = decide(host, "80");
        assertThat(v).isInstanceOfSatisfying(Verdict.Denied.class, d -> {
            assertThat(d.kind()).isEqualTo(Verdict.Kind.FORBIDDEN);
            assertThat(d.rule()).isEqualTo("IP literal not in network.allowedDomains");
        });
        assertThat(lookups).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.1.2.3", "012.1.2.3", "0xa.1.2.3", "167838211", "[::ffff:10.1.2.3]", "10.1.515"})
    void anAddressRuleAllowsTheAddressInAnySpelling(String host) {
        assertThat(decide(host, "80")).isInstanceOfSatisfying(Verdict.Allowed.class,
                a -> assertThat(a.address()).isEqualTo(ip("10.1.2.3")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"256.1.1.1", "1.2.3.4.5", "0x1.0x100000000", "09.1.1.1", "foo.123", "foo.0x1",
        "[1:2:3:4:5:6:7:8:9]", "[1::2::3]", "[12345::]", "[::1.2.3.04]", "[::1.2.3]", "[g::1]", "4294967296"})
    void refusesInvalidOrAmbiguousNumericHosts(String host) {
        assertThat(decide(host, "80")).isInstanceOfSatisfying(Verdict.Denied.class,
                d -> assertThat(d.kind()).isEqualTo(Verdict.Kind.MALFORMED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"allowed.test.evil.test", "evilallowed.test", "allowed.tes", "allowed-test", "sub.allowed.test",
        "аllowed.test", "allowed.test.", "wild.test", "xn--llowed-test"})
    void refusesLookAlikesAndSuffixTricks(String host) {
        Verdict v = decide(host, "443");
        if (host.equals("allowed.test.")) {
            assertThat(v).isInstanceOf(Verdict.Allowed.class); // the one trailing dot is the same name
            return;
        }
        assertThat(v).isInstanceOf(Verdict.Denied.class);
    }

    @Test
    void homoglyphIsComparedInPunycode() {
        Verdict v = decide("аllowed.test", "443"); // Cyrillic а
        assertThat(v).isInstanceOfSatisfying(Verdict.Denied.class, d -> {
            assertThat(d.kind()).isEqualTo(Verdict.Kind.FORBIDDEN);
            assertThat(d.target()).startsWith("xn--");
        });
    }

    @Test
    void idnRuleMatchesUnicodeAndPunycodeSpellings() {
        assertThat(decide("bücher.test", "443")).isInstanceOf(Verdict.Allowed.class);
        assertThat(decide("BÜCHER.test", "443")).isInstanceOf(Verdict.Allowed.class);
        assertThat(decide("xn--bcher-kva.test", "443")).isInstanceOf(Verdict.Allowed.class);
        assertThat(decide("XN--BCHER-KVA.TEST.", "443")).isInstanceOf(Verdict.Allowed.class);
    }

    @Test
    void wildcardCoversSubdomainsButNotTheApexAndDenyWins() {
        EgressPolicy p = policy(List.of("*.wild.test"), List.of("blocked.wild.test"));
        assertThat(p.decide("a.wild.test", 443)).isInstanceOf(Verdict.Denied.class); // resolves nowhere
        assertThat(((Verdict.Denied) p.decide("a.wild.test", 443)).kind()).isEqualTo(Verdict.Kind.UNRESOLVABLE);
        assertThat(((Verdict.Denied) p.decide("wild.test", 443)).rule()).isEqualTo("not in network.allowedDomains");
        assertThat(((Verdict.Denied) p.decide("blocked.wild.test", 443)).rule()).isEqualTo("network.deniedDomains: blocked.wild.test");
        assertThat(((Verdict.Denied) p.decide("BLOCKED.wild.test.", 443)).rule()).isEqualTo("network.deniedDomains: blocked.wild.test");
    }

    @Test
    void portRulesRestrictThePort() {
        EgressPolicy p = policy(List.of("allowed.test:8443"), List.of());
        assertThat(p.decide("allowed.test", 8443)).isInstanceOf(Verdict.Allowed.class);
        assertThat(p.decide("allowed.test", 443)).isInstanceOf(Verdict.Denied.class);
        EgressPolicy q = policy(List.of("allowed.test"), List.of("allowed.test:25"));
        assertThat(q.decide("allowed.test", 443)).isInstanceOf(Verdict.Allowed.class);
        assertThat(q.decide("allowed.test", 25)).isInstanceOf(Verdict.Denied.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "65536", "080", "+80", "-1", "80 ", " 80", "8O", "99999", "0x50", "१२३"})
    void refusesInvalidPorts(String port) {
        assertThat(decide("allowed.test", port)).isInstanceOfSatisfying(Verdict.Denied.class,
                d -> assertThat(d.kind()).isEqualTo(Verdict.Kind.MALFORMED));
        assertThat(lookups).hasValue(0);
    }

    @Test
    void refusesNamesThatResolveToInternalAddresses() {
        assertThat(((Verdict.Denied) decide("metadata.test", "80")).rule()).isEqualTo("resolved to link-local address 169.254.169.254");
        assertThat(((Verdict.Denied) decide("mixed.test", "80")).rule()).isEqualTo("resolved to private address 10.0.0.1");
        assertThat(((Verdict.Denied) decide("nat64.test", "80")).rule()).startsWith("resolved to loopback address [64:ff9b::");
        assertThat(((Verdict.Denied) decide("cgnat.test", "80")).rule()).isEqualTo("resolved to cgnat address 100.64.1.1");
        assertThat(((Verdict.Denied) decide("denyrange.test", "80")).rule())
                .isEqualTo("network.deniedDomains: 93.184.216.0/24 (resolved to 93.184.216.34)");
    }

    @Test
    void resolvesOnceAndPrefersIpv4() {
        Verdict v = decide("public.test", "443");
        assertThat(v).isInstanceOfSatisfying(Verdict.Allowed.class, a -> assertThat(a.address()).isEqualTo(ip("93.184.215.14")));
        assertThat(lookups).hasValue(1);
    }

    @Test
    void deniedTargetsNeverReachTheResolver() {
        decide("denied.test", "443");
        decide("127.0.0.1", "443");
        decide("blocked.wild.test", "443");
        assertThat(lookups).hasValue(0);
        assertThat(events).hasSize(3);
    }

    @Test
    void forbiddenResponseExplainsHowToAllow() {
        Verdict.Denied d = (Verdict.Denied) decide("Denied.Test.", "443");
        assertThat(d.target()).isEqualTo("denied.test:443");
        assertThat(d.advice()).contains("network.allowedDomains").contains("--allow-domain denied.test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "*.test", "a.*.test", "*example.com", "exa mple.com", "example.com:0", "example.com:99999",
        "10.0.0.0/33", "10.0.0.1/8", "[::1", "*.10.0.0.1", "foo@bar.com", "", "10.0.0.0/8:80"})
    void rejectsBadRuleEntriesNamingThem(String entry) {
        assertThatThrownBy(() -> EgressRules.allowing(List.of(entry))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(entry.isEmpty() ? "empty" : entry);
    }

    @Test
    void formatsIpv6InRfc5952Form() {
        assertThat(Host.literal(ip("0:0:0:0:0:0:0:1"))).isEqualTo("[::1]");
        assertThat(Host.literal(ip("::"))).isEqualTo("[::]");
        assertThat(Host.literal(ip("2001:db8:0:0:1:0:0:1"))).isEqualTo("[2001:db8::1:0:0:1]");
        assertThat(Host.literal(ip("2001:db8:0:1:1:1:1:1"))).isEqualTo("[2001:db8:0:1:1:1:1:1]");
        assertThat(Host.literal(ip("fe80:0:0:0:0:0:0:0"))).isEqualTo("[fe80::]");
        assertThat(Host.literal(ip("64:ff9b::7f00:1"))).isEqualTo("[64:ff9b::7f00:1]");
    }

    @Test
    void classifiesAddresses() {
        List<String> out = new ArrayList<>();
        for (String s : List.of("8.8.8.8", "127.0.0.5", "10.9.9.9", "172.16.0.1", "172.32.0.1", "192.168.1.1", "100.64.0.1",
                "100.128.0.1", "169.254.169.254", "224.0.0.1", "255.255.255.255", "0.0.0.0", "::", "::1", "fe80::1",
                "fd00::1", "ff02::1", "2001:db8::1", "2002:7f00:1::", "2001::1", "2606:4700::1")) {
            out.add(s + "=" + AddressClass.of(ip(s)).label());
        }
        assertThat(out).containsExactly("8.8.8.8=public", "127.0.0.5=loopback", "10.9.9.9=private", "172.16.0.1=private",
                "172.32.0.1=public", "192.168.1.1=private", "100.64.0.1=cgnat", "100.128.0.1=public",
                "169.254.169.254=link-local", "224.0.0.1=multicast", "255.255.255.255=reserved", "0.0.0.0=unspecified",
                "::=unspecified", "::1=loopback", "fe80::1=link-local", "fd00::1=private", "ff02::1=multicast",
                "2001:db8::1=reserved", "2002:7f00:1::=loopback", "2001::1=reserved", "2606:4700::1=public");
    }
}
