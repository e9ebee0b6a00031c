package dev.palisade.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A lean parser for {@code palisade run}'s options. Start-up is part of every sandboxed command's
 * latency, and building picocli's reflective model of {@code run} alone costs about 200 ms on a cold
 * JVM; this parser fills the same fields of {@link RunCommand} directly. Anything it does not handle
 * itself — help, version, an unknown option, a malformed number — makes it step aside, and picocli
 * parses the whole command line as usual, so messages and help stay picocli's.
 * {@code RunArgsTest} checks that both parsers know the same options and agree.
 */
final class RunArgs {
    /** Options that take no value. */
    static final Set<String> FLAGS = Set.of("--allow-sensitive-mount", "--allow-weaker-limits", "--no-file-guard",
            "--dry-run");
    /** Options that take one value. */
    static final Set<String> VALUED = Set.of("--tier", "--policy", "--mount", "--allow-domain", "--publish",
            "--session", "--events", "--env", "--memory", "--pids", "--cpus", "--timeout", "--session-timeout",
            "--home-size", "--tmp-size", "--shm-size", "--max-output", "--open-files", "--max-file-size", "--image");

    private RunArgs() {
    }

    /**
     * Parses the arguments after {@code run} into {@code cmd}.
     *
     * @param args the arguments after {@code run}
     * @param cmd a fresh command to fill
     * @return true if parsed; false to let picocli parse (and report) instead
     */
    static boolean parse(List<String> args, RunCommand cmd) {
        int i = 0;
        while (i < args.size()) {
            String a = args.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-")) {
                break;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (FLAGS.contains(name) && value == null) {
                flag(cmd, name);
                i++;
                continue;
            }
            if (!VALUED.contains(name)) {
                return false;
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    return false;
                }
                value = args.get(++i);
            }
            if (!option(cmd, name, value)) {
                return false;
            }
            i++;
        }
        if (i >= args.size()) {
            return false;
        }
        cmd.command.addAll(args.subList(i, args.size()));
        return true;
    }

    private static void flag(RunCommand cmd, String name) {
        switch (name) {
            case "--allow-sensitive-mount" -> cmd.allowSensitive = true;
            case "--allow-weaker-limits" -> cmd.allowWeakerLimits = true;
            case "--no-file-guard" -> cmd.noFileGuard = true;
            case "--dry-run" -> cmd.dryRun = true;
            default -> throw new IllegalStateException("flag without a field: " + name);
        }
    }

    private static boolean option(RunCommand cmd, String name, String v) {
        try {
            switch (name) {
                case "--tier" -> cmd.tier = v;
                case "--policy" -> cmd.policyFile = Path.of(v);
                case "--mount" -> cmd.mounts.add(v);
                case "--allow-domain" -> cmd.allowDomains.add(v);
                case "--publish" -> cmd.publish.add(v);
                case "--session" -> cmd.session = v;
                case "--events" -> cmd.events = v;
                case "--env" -> cmd.env.add(v);
                case "--memory" -> cmd.memory = v;
                case "--pids" -> cmd.pids = Integer.parseInt(v);
                case "--cpus" -> cmd.cpus = Double.parseDouble(v);
                case "--timeout" -> cmd.timeout = v;
                case "--session-timeout" -> cmd.sessionTimeout = v;
                case "--home-size" -> cmd.homeSize = v;
                case "--tmp-size" -> cmd.tmpSize = v;
                case "--shm-size" -> cmd.shmSize = v;
                case "--max-output" -> cmd.maxOutput = v;
                case "--open-files" -> cmd.openFiles = Integer.parseInt(v);
                case "--max-file-size" -> cmd.maxFileSize = v;
                case "--image" -> cmd.image = v;
                default -> throw new IllegalStateException("option without a field: " + name);
            }
            return true;
        } catch (NumberFormatException | java.nio.file.InvalidPathException e) {
            return false;
        }
    }
}
