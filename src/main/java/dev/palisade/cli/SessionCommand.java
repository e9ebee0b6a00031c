package dev.palisade.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.palisade.sdk.Folder;
import dev.palisade.sdk.Palisade;
import dev.palisade.sdk.PalisadeException;
import dev.palisade.sdk.ProcessInfo;
import dev.palisade.sdk.Session;
import dev.palisade.sdk.SessionInfo;
import dev.palisade.sdk.SessionOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code palisade session create|list|rm}: sessions kept by the daemon. */
@Command(name = "session", description = "Create, list and remove sessions in the daemon.",
        subcommands = {SessionCommand.Create.class, SessionCommand.ListSessions.class, SessionCommand.Remove.class})
final class SessionCommand {
    private SessionCommand() {
    }

    /** Creates a session and prints its id (or its description with {@code --json}). */
    @Command(name = "create", description = "Create a session; prints its id.")
    static final class Create implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--session", paramLabel = "ID", description = "Session id (default: a fresh adjective-scientist id).")
        String id;

        @Option(names = "--mount", paramLabel = "PATH[:ro|:rw]", description = "Folder to mount (read-only unless :rw); repeatable.")
        List<String> mounts = new ArrayList<>();

        @Option(names = "--policy", paramLabel = "FILE", description = "Policy file (JSON, docs/policy.md) for the session.")
        Path policy;

        @Option(names = "--tier", paramLabel = "namespace|vm", description = "Isolation tier (default: the policy's, else namespace).")
        String tier;

        @Option(names = "--json", description = "Print the session as JSON.")
        boolean json;

        @Override
        public Integer call() {
            String policyJson = null;
            if (policy != null) {
                try {
                    policyJson = java.nio.file.Files.readString(policy);
                } catch (java.io.IOException e) {
                    return Fail.with("cannot read policy " + policy + ": " + e.getMessage());
                }
            }
            List<String> folders = new ArrayList<>();
            for (String m : mounts) {
                int colon = m.lastIndexOf(':');
                boolean mode = colon > 0 && (m.endsWith(":ro") || m.endsWith(":rw"));
                String path = mode ? m.substring(0, colon) : m;
                folders.add(Path.of(path).toAbsolutePath().normalize() + (mode ? m.substring(colon) : ""));
            }
            SessionOptions options;
            try {
                options = new SessionOptions(id, folders, policyJson, tier);
            } catch (IllegalArgumentException e) {
                return Fail.with(e.getMessage());
            }
            try (Palisade p = daemon.connect()) {
                Session s = p.createSession(options);
                if (json) {
                    System.out.println(CliJson.session(s.info()));
                } else {
                    System.out.println(s.id());
                }
                return 0;
            } catch (PalisadeException e) {
                return Fail.with(e.getMessage());
            }
        }
    }

    /** Lists sessions. */
    @Command(name = "list", aliases = "ls", description = "List the daemon's sessions.")
    static final class ListSessions implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--json", description = "Print a JSON array of sessions.")
        boolean json;

        @Override
        public Integer call() {
            try (Palisade p = daemon.connect()) {
                List<SessionInfo> infos = new ArrayList<>();
                for (String id : p.sessions()) {
                    try {
                        infos.add(p.session(id).info());
                    } catch (PalisadeException e) {
                        if (!e.code().equals("no-such-session")) { // destroyed meanwhile: not listed
                            throw e;
                        }
                    }
                }
                if (json) {
                    var arr = CliJson.JSON.createArrayNode();
                    infos.forEach(i -> arr.add(CliJson.session(i)));
                    System.out.println(arr);
                    return 0;
                }
                for (SessionInfo i : infos) {
                    long running = i.processes().stream().filter(ProcessInfo::running).count();
                    StringBuilder folders = new StringBuilder();
                    for (Folder f : i.folders()) {
                        folders.append(folders.isEmpty() ? "" : ",").append(f.host()).append(f.writable() ? ":rw" : ":ro");
                    }
                    System.out.println(i.id() + "\t" + i.tier() + "\t" + running + " running\t"
                            + (folders.isEmpty() ? "-" : folders));
                }
                return 0;
            } catch (PalisadeException e) {
                return Fail.with(e.getMessage());
            }
        }
    }

    /** Destroys sessions. */
    @Command(name = "rm", description = "Destroy sessions: their commands are killed, their scratch home removed.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Parameters(paramLabel = "ID", arity = "1..*", description = "Session ids.")
        List<String> ids;

        @Override
        public Integer call() {
            try (Palisade p = daemon.connect()) {
                int status = 0;
                for (String id : ids) {
                    try {
                        p.session(id).destroy();
                    } catch (PalisadeException e) {
                        status = Fail.with(e.getMessage());
                    }
                }
                return status;
            } catch (PalisadeException e) {
                return Fail.with(e.getMessage());
            }
        }
    }
}
