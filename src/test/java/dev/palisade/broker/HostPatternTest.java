package dev.palisade.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostPatternTest {
    @Test
    void wildcardMatchesSubdomainsButNotTheApex() {
        HostPattern p = new HostPattern("*.Example.COM.");
        assertThat(p.pattern()).isEqualTo("*.example.com");
        assertThat(p.matches("api.example.com")).isTrue();
        assertThat(p.matches("a.b.example.com")).isTrue();
        assertThat(p.matches("example.com")).isFalse();
        assertThat(p.matches("evilexample.com")).isFalse();
        assertThat(p.matches("example.com.evil.test")).isFalse();
    }

    @Test
    void exactMatchIgnoresCaseAndOneTrailingDotAndComparesPunycode() {
        HostPattern p = new HostPattern("bücher.example");
        assertThat(p.pattern()).isEqualTo("xn--bcher-kva.example");
        assertThat(p.matches("XN--BCHER-KVA.example.")).isTrue();
        assertThat(p.matches("bücher.example")).isTrue();
        assertThat(p.matches("sub.bücher.example")).isFalse();
        assertThat(p.matches("bucher.example")).isFalse();
    }
}
