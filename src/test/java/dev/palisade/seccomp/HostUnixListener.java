package dev.palisade.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import dev.palisade.testing.Prerequisites;

/**
 * A real host-side Unix stream + datagram listener (python3, because Java has no AF_UNIX
 * datagram sockets), whose counts prove whether anything from the sandbox reached it.
 */
final class HostUnixListener implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    final Path dir;
    final Path stream;
    final Path dgram;

    HostUnixListener(Path dir) throws IOException {
        Path python = Prerequisites.which("/usr/bin/python3");
        Prerequisites.require(python != null, "/usr/bin/python3 for the host Unix listener");
        this.dir = dir;
        this.stream = dir.resolve("stream.sock");
        this.dgram = dir.resolve("dgram.sock");
        Path script = dir.resolve("unix_listener.py");
        try (InputStream in = HostUnixListener.class.getResourceAsStream("unix_listener.py")) {
            Files.write(script, in.readAllBytes());
        }
        process = new ProcessBuilder(python.toString(), script.toString(), stream.toString(), dgram.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        if (!"ready".equals(ready)) {
            throw new IOException("listener did not start: " + ready);
        }
    }

    /** Stops the listener and returns its "connections=N bytes=M datagrams=K" line. */
    String finish() throws IOException, InterruptedException {
        process.getOutputStream().close();
        String counts = out.readLine();
        process.waitFor(10, TimeUnit.SECONDS);
        return counts;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
