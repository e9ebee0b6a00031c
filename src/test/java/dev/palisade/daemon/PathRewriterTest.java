package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.paths.PathTranslator;

class PathRewriterTest {
    private final PathTranslator translator = new PathTranslator("keen-noether",
            List.of(new Mount(Path.of("/home/me/work"), "work", Access.RW)));

    private String run(String... chunks) {
        PathRewriter r = new PathRewriter(translator);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String c : chunks) {
            out.writeBytes(r.apply(c.getBytes(StandardCharsets.UTF_8)));
        }
        out.writeBytes(r.flush());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void pathCutAtEveryPositionIsRewritten() {
        String text = "cd /sessions/keen-noether/mnt/work/src ok";
        for (int cut = 0; cut <= text.length(); cut++) {
            assertThat(run(text.substring(0, cut), text.substring(cut))).as("cut at " + cut)
                    .isEqualTo("cd /home/me/work/src ok");
        }
    }

    @Test
    void chunksWithoutSessionPathsPassUnchangedAndUncopied() {
        PathRewriter r = new PathRewriter(translator);
        byte[] chunk = {(byte) 0xff, '/', 'u', 's', 'r', 0, '\n', '/', 's', 'e'};
        byte[] plain = {'a', '/', 'b', '\n', 'c'};
        assertThat(r.apply(plain)).isSameAs(plain);
        // A tail that may start "/sessions/" is held back, then released unchanged.
        assertThat(r.apply(chunk)).hasSize(7);
        assertThat(r.flush()).containsExactly('/', 's', 'e');
    }
}
