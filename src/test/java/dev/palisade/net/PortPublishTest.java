package dev.palisade.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PortPublishTest {
    @Test
    void defaultsToLoopbackAndParsesAddresses() {
        PortPublish p = PortPublish.parse("8080:80");
        assertThat(p.hostAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(p.hostPort()).isEqualTo(8080);
        assertThat(p.sandboxPort()).isEqualTo(80);
        assertThat(PortPublish.parse("0.0.0.0:8080:80").hostAddress().getHostAddress()).isEqualTo("0.0.0.0");
        assertThat(Host.literal(PortPublish.parse("[::1]:8080:80").hostAddress())).isEqualTo("[::1]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8080", "8080:0", "0:80", "x:80", "localhost:8080:80", "1.2.3.4:5:6:7", "8080:080", "[::1:8080:80",
        "8080:65536", "127.1:8080:80x"})
    void refusesBadSpecsNamingThem(String spec) {
        assertThatThrownBy(() -> PortPublish.parse(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(spec);
    }

    @Test
    void unixSocketEntriesMustBeAbsoluteAndNormalized() {
        for (String bad : List.of("relative.sock", "/tmp/../etc/x.sock", "/tmp//x.sock", "$SSH_AUTH_SOCK")) {
            assertThatThrownBy(() -> new EgressRules(List.of(), List.of(), List.of(), List.of(bad), 1, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
    }

    @Test
    void environmentCoversCommonTools() {
        Map<String, String> env = ProxyEnvironment.of("127.0.0.1:3128", 3128, "127.0.0.1:1080");
        assertThat(env).containsEntry("http_proxy", "http://127.0.0.1:3128").containsEntry("HTTPS_PROXY", "http://127.0.0.1:3128")
                .containsEntry("all_proxy", "socks5h://127.0.0.1:1080").containsEntry("no_proxy", "localhost,127.0.0.1")
                .containsEntry("npm_config_https_proxy", "http://127.0.0.1:3128").containsEntry("PIP_PROXY", "http://127.0.0.1:3128")
                .containsKey("JAVA_TOOL_OPTIONS");
        assertThat(env.get("JAVA_TOOL_OPTIONS")).contains("-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=3128");
    }
}
