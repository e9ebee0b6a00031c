package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;

import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.paths.PathTranslator;

/**
 * Arbitrary bytes into the request decoder: the only acceptable outcomes are a {@link Request}
 * with its id, op and body, or a {@link ProtocolException} with an error code; any other
 * exception (or a hang) is a finding. The second target feeds arbitrary strings to the file
 * API's path mapping: a target is always inside its folder, or the path is refused. Seeds live
 * in {@code src/test/resources/dev/palisade/daemon/RequestDecoderFuzzTestInputs/<method>}.
 * Regression mode by default; {@code JAZZER_FUZZ=1} to fuzz.
 */
@Tag("fuzz")
class RequestDecoderFuzzTest {
    private static final List<String> CODES = List.of("frame-too-large", "malformed-json", "not-an-object",
            "missing-id", "missing-op");
    private static final Mount WORK = new Mount(Path.of("/home/me/work"), "work", Access.RW);
    private static final Mount NESTED = new Mount(Path.of("/home/me/work/sub"), "sub", Access.RO);
    private static final FilePaths PATHS = new FilePaths(new PathTranslator("fuzzy-turing", List.of(WORK, NESTED)));

    @FuzzTest(maxDuration = "30s")
    void decoderYieldsARequestOrAProtocolException(byte[] input) {
        Request r;
        try {
            r = RequestDecoder.decode(input, input.length);
        } catch (ProtocolException e) {
            assertThat(CODES).contains(e.code());
            assertThat(e.getMessage()).isNotNull();
            return;
        }
        assertThat(r.id()).isNotNull();
        assertThat(r.op()).isNotNull();
        assertThat(r.body().get("op").asString()).isEqualTo(r.op());
        // Field accessors on any decoded request also only ever throw ProtocolException.
        for (String field : List.of("session", "path", "process", "data")) {
            try {
                r.optText(field);
            } catch (ProtocolException e) {
                assertThat(e.code()).isIn("wrong-type", "missing-field");
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void filePathsStayInsideAFolderOrAreRefused(byte[] input) {
        String raw = new String(input, java.nio.charset.StandardCharsets.UTF_8);
        FileTarget t;
        try {
            t = PATHS.resolve(raw);
        } catch (ProtocolException e) {
            assertThat(e.code()).isIn("path-traversal", "path-outside");
            return;
        }
        assertThat(t.host().startsWith(t.mount().hostPath())).as(raw).isTrue();
        assertThat(t.host().normalize()).isEqualTo(t.host());
        assertThat(t.sandbox()).startsWith("/sessions/fuzzy-turing/mnt/" + t.mount().name());
        assertThat(t.rel()).doesNotContain("..", ".", "");
    }
}
