package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SecretRedactorTest {
    private static String run(SecretRedactor r, String... chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String c : chunks) {
            out.writeBytes(r.apply(c.getBytes(StandardCharsets.UTF_8)));
        }
        out.writeBytes(r.flush());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void secretCutAtEveryPositionIsRedacted() {
        String secret = "abcSECRETxyz";
        for (int cut = 1; cut < secret.length(); cut++) {
            SecretRedactor r = new SecretRedactor(Map.of("K", List.of(secret, "palisade-placeholder-01")));
            assertThat(run(r, "x " + secret.substring(0, cut), secret.substring(cut) + " y"))
                    .isEqualTo("x [REDACTED:K] y");
        }
    }

    @Test
    void aHeldTailThatIsNoSecretIsReleased() {
        SecretRedactor r = new SecretRedactor(Map.of("K", List.of("abcdef")));
        assertThat(new String(r.apply("xxabc".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)).isEqualTo("xx");
        assertThat(run(r, "Z")).isEqualTo("abcZ");
        assertThat(run(new SecretRedactor(Map.of("K", List.of("abcdef"))), "end ab")).isEqualTo("end ab");
    }

    @Test
    void binaryBytesAroundASecretStayExact() {
        SecretRedactor r = new SecretRedactor(Map.of("T", List.of("tok")));
        byte[] in = {(byte) 0xff, 0, 't', 'o', 'k', (byte) 0x80};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(r.apply(in));
        out.writeBytes(r.flush());
        byte[] expected = new byte[2 + "[REDACTED:T]".length() + 1];
        expected[0] = (byte) 0xff;
        System.arraycopy("[REDACTED:T]".getBytes(StandardCharsets.US_ASCII), 0, expected, 2, 12);
        expected[expected.length - 1] = (byte) 0x80;
        assertThat(out.toByteArray()).isEqualTo(expected);
    }
}
