package dev.palisade.cli;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import dev.palisade.sdk.Palisade;
import dev.palisade.sdk.PalisadeException;
import dev.palisade.sdk.ProcessInfo;
import dev.palisade.sdk.SandboxProcess;
import dev.palisade.sdk.Session;
import dev.palisade.sdk.SessionListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code palisade logs SESSION [--follow]}: the session's recent output (the daemon keeps its last
 * 1 MiB; what it dropped is reported on stderr), then the output of its running commands. It uses
 * {@code session.subscribe} with replay, so the history and the live events join without a gap and
 * a command too short to be seen running is still shown. Without {@code --follow} it ends when the
 * commands that ran when it started have ended; with it, when the session closes or on interrupt.
 */
@Command(name = "logs", description = "Print a session's recent output (its last 1 MiB), then its running commands' output; with --follow, also later commands'.")
final class LogsCommand implements Callable<Integer> {
    @Mixin
    DaemonOption daemon;

    @Option(names = {"-f", "--follow"}, description = "Keep following: also commands started later; runs until interrupted or the session ends.")
    boolean follow;

    @Option(names = "--json", description = "Print output (base64), lost and exit events as JSON lines.")
    boolean json;

    @Parameters(paramLabel = "SESSION", description = "The session.")
    String session;

    @Override
    public Integer call() {
        try (Palisade p = daemon.connect()) {
            Session s = p.session(session);
            ExecCommand.Output out = new ExecCommand.Output(json);
            java.util.Map<String, SandboxProcess> seen = new ConcurrentHashMap<>();
            CountDownLatch closed = new CountDownLatch(1);
            s.subscribe(true, new SessionListener() {
                @Override
                public void process(SandboxProcess proc, List<String> argv) {
                    proc.onOutput(out::chunk).onLost(out::lost);
                    if (json) {
                        proc.onExit(x -> out.line(CliJson.exit(x)));
                    }
                    synchronized (seen) {
                        seen.put(proc.id(), proc);
                        seen.notifyAll();
                    }
                }

                @Override
                public void state(String state) {
                    if (state.equals("closed")) {
                        closed.countDown();
                    }
                }
            });
            if (follow) {
                closed.await();
                return 0;
            }
            // Every process the session had when we subscribed comes to the listener (the replay
            // names them all); wait until it has them, then until they end.
            Set<String> ids = new java.util.HashSet<>();
            for (ProcessInfo pi : s.info().processes()) {
                ids.add(pi.id());
            }
            synchronized (seen) {
                while (!seen.keySet().containsAll(ids)) {
                    seen.wait();
                }
            }
            for (String id : ids) {
                seen.get(id).waitFor();
            }
            return 0;
        } catch (PalisadeException e) {
            if (follow && (e.code().equals("no-such-session") || e.code().equals(PalisadeException.DISCONNECTED))) {
                return 0; // the session or the daemon ended: nothing more to follow
            }
            return Fail.with(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
