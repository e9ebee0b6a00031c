package dev.palisade.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.palisade.sdk.ExecRequest;
import dev.palisade.sdk.ExitStatus;
import dev.palisade.sdk.LostOutput;
import dev.palisade.sdk.OutputChunk;
import dev.palisade.sdk.Palisade;
import dev.palisade.sdk.PalisadeException;
import dev.palisade.sdk.SandboxProcess;
import dev.palisade.sdk.Session;
import dev.palisade.sdk.StdStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code palisade exec SESSION [--json] [-i] -- CMD…}: runs a command in a daemon session, streams its
 * output to this terminal and exits with its status.
 */
@Command(name = "exec", description = "Run a command in a session of the daemon; exits with its status.")
final class ExecCommand implements Callable<Integer> {
    @Mixin
    DaemonOption daemon;

    @Option(names = "--json", description = "Print start, output (base64), lost and exit events as JSON lines on stdout.")
    boolean json;

    @Option(names = {"-i", "--interactive"}, description = "Feed this process's standard input to the command.")
    boolean interactive;

    @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory inside (default: the first folder).")
    String cwd;

    @Parameters(paramLabel = "SESSION -- COMMAND", arity = "1..*", description = "The session, then the command and its arguments.")
    List<String> rest = new ArrayList<>();

    @Override
    public Integer call() {
        // Options after SESSION arrive here as parameters (the launcher stops option parsing at the
        // first parameter so that the command's own options stay the command's): sort them out.
        String session = null;
        List<String> command = new ArrayList<>();
        boolean inCommand = false;
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (inCommand) {
                command.add(a);
            } else if (a.equals("--")) {
                inCommand = true;
            } else if (a.equals("--json")) {
                json = true;
            } else if (a.equals("-i") || a.equals("--interactive")) {
                interactive = true;
            } else if ((a.equals("--cwd") || a.equals("--socket")) && i + 1 < rest.size()) {
                String v = rest.get(++i);
                if (a.equals("--cwd")) {
                    cwd = v;
                } else {
                    daemon.socket = java.nio.file.Path.of(v);
                }
            } else if (session == null) {
                session = a;
            } else {
                inCommand = true;
                command.add(a);
            }
        }
        if (session == null || command.isEmpty()) {
            return Fail.with("usage: palisade exec SESSION [--json] [-i] [--cwd DIR] -- COMMAND [ARG...]");
        }
        ExecRequest req;
        try {
            req = new ExecRequest(command, java.util.Map.of(), cwd, interactive);
        } catch (IllegalArgumentException e) {
            return Fail.with(e.getMessage());
        }
        try (Palisade p = daemon.connect()) {
            Session s = p.session(session);
            SandboxProcess proc = s.exec(req);
            Output out = new Output(json);
            if (json) {
                out.line(CliJson.start(proc.id()));
            }
            proc.onOutput(out::chunk).onLost(out::lost);
            // Ctrl-C or SIGTERM to us runs the shutdown hooks: pass a SIGTERM on so the command does
            // not keep running in the session unseen (docker exec would leave it; we do not).
            Thread forward = new Thread(() -> forwardTerm(proc), "exec-sigterm");
            Runtime.getRuntime().addShutdownHook(forward);
            if (interactive) {
                Thread.ofVirtual().name("stdin").start(() -> pump(System.in, proc));
            }
            ExitStatus x = proc.waitFor();
            if (json) {
                out.line(CliJson.exit(x));
            } else if (x.status() == 125 && !x.message().isEmpty()) {
                System.err.println("palisade: " + x.message());
            }
            return x.status();
        } catch (PalisadeException e) {
            return Fail.with(e.getMessage());
        }
    }

    private static void forwardTerm(SandboxProcess proc) {
        try {
            if (proc.waitFor(java.time.Duration.ZERO).isEmpty()) {
                proc.signal(15);
            }
        } catch (PalisadeException e) {
            // Ended or disconnected meanwhile: nothing to stop.
        }
    }

    private static void pump(InputStream in, SandboxProcess proc) {
        byte[] buf = new byte[65536];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                proc.writeStdin(java.util.Arrays.copyOf(buf, n));
            }
        } catch (IOException e) {
            // The command closed its input or ended: stop feeding it.
        } finally {
            try {
                proc.closeStdin();
            } catch (PalisadeException ignored) {
                // Already ended.
            }
        }
    }

    /** Writes chunks to our own stdout/stderr unbuffered, or as JSON lines. */
    static final class Output {
        private final boolean json;
        private final OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        private final OutputStream stderr = new FileOutputStream(FileDescriptor.err);

        Output(boolean json) {
            this.json = json;
        }

        void chunk(OutputChunk c) {
            if (json) {
                line(CliJson.output(c));
                return;
            }
            try {
                (c.stream() == StdStream.STDOUT ? stdout : stderr).write(c.bytes());
            } catch (IOException e) {
                // Our terminal or pipe went away; the command's status still matters.
            }
        }

        void lost(LostOutput l) {
            if (json) {
                line(CliJson.lost(l));
            } else {
                System.err.println("palisade: " + l.bytes() + " bytes of " + l.stream().name().toLowerCase(java.util.Locale.ROOT)
                        + " of " + l.process() + " were dropped (this terminal fell behind)");
            }
        }

        synchronized void line(String s) {
            try {
                stdout.write((s + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException e) {
                // As above.
            }
        }
    }
}
