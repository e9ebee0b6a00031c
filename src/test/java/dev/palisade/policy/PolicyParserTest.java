package dev.palisade.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.paths.Access;
import dev.palisade.sandbox.Tier;

class PolicyParserTest {
    private final PolicyParser parser = new PolicyParser();

    @Test
    void parsesAFullPolicy() throws Exception {
        Policy p = parser.parse("""
                {"tier": "direct",
                 "mounts": ["~/a:rw", {"path": "/data", "mode": "ro", "name": "D"}],
                 "filesystem": {"denyRead": ["secrets"], "denyWrite": ["*.lock"], "allowWrite": ["/data/out"],
                                "protectedPaths": [".git/hooks"]},
                 "network": {"deniedDomains": ["evil.test"]}}
                """);
        assertThat(p.tier()).isEqualTo(Tier.DIRECT);
        assertThat(p.mounts()).containsExactly(new MountEntry("~/a", Access.RW, null, false),
                new MountEntry("/data", Access.RO, "D", false));
        assertThat(p.filesystem().denyRead()).containsExactly("secrets");
        assertThat(p.filesystem().protectedPaths()).containsExactly(".git/hooks");
        assertThat(p.network().deniedDomains()).containsExactly("evil.test");
    }

    @Test
    void emptyObjectMeansDefaults() throws Exception {
        assertThat(parser.parse("{}")).isEqualTo(Policy.DEFAULT);
    }

    @Test
    void malformedJsonNamesTheLocation() {
        assertThatThrownBy(() -> parser.parse("{\"tier\": \"namespace\",,}"))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("malformed JSON at line 1");
    }

    @Test
    void unknownKeyIsAnErrorNamingIt() {
        assertThatThrownBy(() -> parser.parse("{\"netwrok\": {}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("unknown key 'netwrok'");
        assertThatThrownBy(() -> parser.parse("{\"filesystem\": {\"denyreads\": []}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("unknown key 'filesystem.denyreads'");
    }

    @Test
    void duplicateKeyIsAnError() {
        assertThatThrownBy(() -> parser.parse("{\"tier\": \"namespace\", \"tier\": \"direct\"}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("tier");
    }

    @Test
    void wrongTypesNameTheKey() {
        assertThatThrownBy(() -> parser.parse("{\"filesystem\": {\"denyRead\": [1]}}"))
                .isInstanceOf(PolicyException.class).hasMessage("filesystem.denyRead[0]: expected a string, got a number");
        assertThatThrownBy(() -> parser.parse("{\"mounts\": {}}"))
                .isInstanceOf(PolicyException.class).hasMessage("mounts: expected an array, got an object");
        assertThatThrownBy(() -> parser.parse("{\"mounts\": [{\"path\": \"/x\", \"mode\": \"rwx\"}]}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("mounts[0]").hasMessageContaining("rwx");
        assertThatThrownBy(() -> parser.parse("[]"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> parser.parse("{\"tier\": \"chroot\"}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("tier").hasMessageContaining("chroot");
    }

    @Test
    void refusesDotDotInRules() {
        assertThatThrownBy(() -> parser.parse("{\"filesystem\": {\"denyWrite\": [\"a/../../b\"]}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("'..'");
    }

    @Test
    void keysOfPartsNotBuiltAreRefusedNotIgnored() {
        assertThatThrownBy(() -> parser.parse("{\"network\": {\"allowLocalBinding\": true}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("network.allowLocalBinding: not supported yet");
    }

    @Test
    void parsesCredentials() throws Exception {
        Policy p = parser.parse("""
                {"credentials": [{"name": "GH_TOKEN", "hosts": ["api.github.com"], "source": {"env": "GH_TOKEN"},
                                  "header": "Authorization: Bearer {}"}]}
                """);
        assertThat(p.credentials()).hasSize(1);
        assertThat(p.credentials().getFirst().name()).isEqualTo("GH_TOKEN");
        assertThat(p.credentials().getFirst().ports()).containsExactly(443);
        assertThatThrownBy(() -> parser.parse("{\"credentials\": [{\"name\": \"X\", \"hosts\": [\"a.test\"],"
                + " \"source\": {\"env\": \"X\"}}]}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("exactly one of \"header\"");
        assertThatThrownBy(() -> parser.parse("{\"credentials\": {}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("credentials: expected an array");
    }

    @Test
    void parsesNetworkRules() throws Exception {
        Policy p = parser.parse("""
                {"network": {"allowedDomains": ["example.com", "*.npmjs.org:443"], "deniedDomains": ["evil.example.com"],
                             "allowPrivateAddresses": ["10.1.0.0/16"], "maxConnections": 8, "maxBytes": 1048576}}
                """);
        assertThat(p.network().allowedDomains()).containsExactly("example.com", "*.npmjs.org:443");
        assertThat(p.network().deniedDomains()).containsExactly("evil.example.com");
        assertThat(p.network().maxConnections()).isEqualTo(8);
        assertThat(p.network().maxBytes()).isEqualTo(1048576L);
    }

    @Test
    void badNetworkEntriesNameTheProblem() {
        assertThatThrownBy(() -> parser.parse("{\"network\": {\"allowedDomains\": [\"exa mple.com\"]}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("exa mple.com");
        assertThatThrownBy(() -> parser.parse("{\"network\": {\"maxConnections\": -1}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("network.maxConnections");
        assertThatThrownBy(() -> parser.parse("{\"network\": {\"allowUnixSockets\": [\"$PALISADE_SURELY_UNSET_VAR\"]}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("PALISADE_SURELY_UNSET_VAR");
    }

    @Test
    void readNamesTheFile(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("p.json"), "{\"bogus\": 1}");
        assertThatThrownBy(() -> parser.read(f)).isInstanceOf(PolicyException.class)
                .hasMessageStartingWith(f + ": unknown key 'bogus'");
        assertThatThrownBy(() -> parser.read(tmp.resolve("missing.json"))).isInstanceOf(PolicyException.class)
                .hasMessageContaining("not found");
    }
}
