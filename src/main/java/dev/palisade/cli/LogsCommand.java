package dev.palisade.cli;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.palisade.sdk.Palisade;
import dev.palisade.sdk.PalisadeException;
import dev.palisade.sdk.ProcessInfo;
import dev.palisade.sdk.SandboxProcess;
import dev.palisade.sdk.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code palisade logs SESSION [--follow]}: the output of a session's running commands, from now on.
 * The daemon keeps no output history, so this subscribes to the processes that run when it starts
 * (and, with {@code --follow}, to those started later, found by polling the session every 250 ms: a
 * command that starts and ends between two polls is missed). Without {@code --follow} it ends when
 * the commands it follows have ended.
 */
@Command(name = "logs", description = "Print the output of a session's running commands, from now on (the daemon keeps no history).")
final class LogsCommand implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(250);

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
            Set<String> seen = new HashSet<>();
            List<SandboxProcess> followed = new CopyOnWriteArrayList<>();
            while (true) {
                for (ProcessInfo pi : s.info().processes()) {
                    if (pi.running() && seen.add(pi.id())) {
                        SandboxProcess proc = s.follow(pi.id());
                        proc.onOutput(out::chunk).onLost(out::lost);
                        if (json) {
                            proc.onExit(x -> out.line(CliJson.exit(x)));
                        }
                        followed.add(proc);
                    }
                }
                if (!follow) {
                    break;
                }
                Thread.sleep(POLL);
            }
            for (SandboxProcess proc : followed) {
                proc.waitFor();
            }
            return 0;
        } catch (PalisadeException e) {
            if (follow && e.code().equals("no-such-session")) {
                return 0; // the session ended: nothing more to follow
            }
            return Fail.with(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
