package dev.palisade.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class OutboxTest {
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void pendingLostCountOfAProcessIsSentBeforeItsExit() throws Exception {
        Outbox o = new Outbox();
        byte[] big = new byte[(int) Outbox.BUDGET - 10];
        big[big.length - 1] = '\n';
        o.offer("s/p1", "stdout", big, big.length);
        byte[] dropped = "{\"event\":\"output\"}\n".getBytes(StandardCharsets.US_ASCII);
        o.offer("s/p1", "stdout", dropped, 500);
        o.offer("s/p2", "stderr", dropped, 7);
        o.putExit("s/p1", "{\"event\":\"exit\",\"process\":\"s/p1\"}");
        o.close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        o.drainTo(out);
        String[] lines = out.toString(StandardCharsets.US_ASCII).split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[1]).isEqualTo("{\"event\":\"lost\",\"process\":\"s/p1\",\"stream\":\"stdout\",\"bytes\":500,\"chunks\":1}");
        assertThat(lines[2]).isEqualTo("{\"event\":\"exit\",\"process\":\"s/p1\"}");
    }
}
