package dev.palisade.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;

/**
 * Feeds arbitrary bytes to the frame reader. The only acceptable outcomes are frames that
 * re-encode to exactly the bytes they came from, a clean end of stream, or a {@link FrameException};
 * anything else (an unchecked exception, a hang, an out-of-memory) is a finding. Seeds live in
 * {@code src/test/resources/dev/palisade/vm/FrameCodecFuzzTestInputs/decoderAcceptsOnlyCanonicalFrames}.
 * Regression mode by default; {@code JAZZER_FUZZ=1} to fuzz.
 */
@Tag("fuzz")
class FrameCodecFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void decoderAcceptsOnlyCanonicalFrames(byte[] input) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(input);
        int consumed = 0;
        while (true) {
            Frame f;
            try {
                f = FrameCodec.read(in);
            } catch (EOFException | FrameException e) {
                return;
            }
            byte[] again = FrameCodec.encode(f);
            int end = input.length - in.available();
            assertThat(again).isEqualTo(Arrays.copyOfRange(input, consumed, end));
            consumed = end;
        }
    }
}
