package dev.palisade.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VmImagePolicyTest {
    private final PolicyParser parser = new PolicyParser();

    @Test
    void readsTheVmImage() throws PolicyException {
        assertThat(parser.parse("{\"tier\": \"vm\", \"vm\": {\"image\": \"palisade-base-0.1.0\"}}").vmImage())
                .isEqualTo("palisade-base-0.1.0");
        assertThat(parser.parse("{}").vmImage()).isNull();
    }

    @Test
    void refusesAPathAsImageAndUnknownVmKeys() {
        assertThatThrownBy(() -> parser.parse("{\"vm\": {\"image\": \"../../etc\"}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("vm.image");
        assertThatThrownBy(() -> parser.parse("{\"vm\": {\"memory\": 512}}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("memory");
        assertThatThrownBy(() -> parser.parse("{\"vm\": \"palisade-base\"}"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("vm: expected an object");
    }
}
