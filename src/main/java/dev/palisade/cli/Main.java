package dev.palisade.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code palisade} launcher. */
@Command(name = "palisade", mixinStandardHelpOptions = true, scope = picocli.CommandLine.ScopeType.INHERIT, version = "palisade 0.1.0",
        description = "Run AI agents and untrusted commands in layered isolation.",
        subcommands = {RunCommand.class, PolicyCommand.class, DoctorCommand.class, SeccompCommand.class, UndoCommand.class, dev.palisade.image.ImageCommand.class, DaemonCommand.class,
                SessionCommand.class, ExecCommand.class, LogsCommand.class, CpCommand.class})
public final class Main {
    /** Exit status when Palisade itself fails (DESIGN.md). */
    static final int FAILED = 125;

    private Main() {
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        CliLogging.install(args.length > 0 && args[0].equals("daemon"));
        System.exit(execute(args));
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     * @return the exit status
     */
    public static int execute(String... args) {
        if (args.length > 1 && args[0].equals("run")) {
            RunCommand run = new RunCommand();
            if (RunArgs.parse(java.util.List.of(args).subList(1, args.length), run)) {
                try {
                    return run.call();
                } catch (RuntimeException e) {
                    System.err.println("palisade: internal error: " + e);
                    return FAILED;
                }
            }
        }
        CommandLine cl = new CommandLine(new Main());
        // Everything after the command's name is the command's own: `palisade run ls -h` runs `ls -h`.
        cl.setStopAtPositional(true);
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("palisade: " + e.getMessage());
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            return FAILED;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("palisade: internal error: " + e);
            return FAILED;
        });
        return cl.execute(args);
    }
}
