package dev.palisade.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class StreamReplacerTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String run(StreamReplacer r, String input, Random rnd) {
        byte[] in = b(input);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < in.length) {
            int n = 1 + rnd.nextInt(Math.min(12, in.length - i));
            out.writeBytes(r.update(in, i, n));
            i += n;
        }
        out.writeBytes(r.finish());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void replacesEveryOccurrenceWhateverThePieceBoundaries() {
        Random rnd = new Random(42);
        String secret = "sek-ret-123";
        for (int trial = 0; trial < 2000; trial++) {
            StringBuilder in = new StringBuilder();
            StringBuilder expected = new StringBuilder();
            for (int k = 0; k < 6; k++) {
                String noise = switch (rnd.nextInt(4)) {
                    case 0 -> "sek-";
                    case 1 -> "sek-ret-12";
                    case 2 -> "ss";
                    default -> "x";
                };
                in.append(noise);
                expected.append(noise);
                if (rnd.nextBoolean()) {
                    in.append(secret);
                    expected.append("PH");
                }
            }
            StreamReplacer r = new StreamReplacer(List.of(b(secret)), List.of(b("PH")));
            String got = run(r, in.toString(), rnd);
            // Noise may complete a secret together with what follows; compare with a plain replace.
            assertThat(got).isEqualTo(in.toString().replace(secret, "PH"));
        }
    }

    @Test
    void holdsBackOnlyATailThatCouldStartTheSecret() {
        StreamReplacer r = new StreamReplacer(List.of(b("secret")), List.of(b("X")));
        assertThat(new String(r.update(b("data: 1\n\n"), 0, 9), StandardCharsets.UTF_8)).isEqualTo("data: 1\n\n");
        assertThat(new String(r.update(b("data: se"), 0, 8), StandardCharsets.UTF_8)).isEqualTo("data: ");
        assertThat(new String(r.update(b("cret!"), 0, 5), StandardCharsets.UTF_8)).isEqualTo("X!");
        assertThat(new String(r.update(b("sec"), 0, 3), StandardCharsets.UTF_8)).isEmpty();
        assertThat(new String(r.finish(), StandardCharsets.UTF_8)).isEqualTo("sec");
        assertThat(r.replacements()).isEqualTo(1);
    }
}
