package dev.palisade.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.logging.LogManager;

/**
 * Logging for the command line: one line per record on standard error ({@code palisade: WARNING:
 * …}), warnings and worse by default, information too for the daemon, any level with
 * {@code PALISADE_LOG=debug|info|warning|error}. Named by {@code java.util.logging.config.class},
 * so {@link LogManager} builds it only when something is first logged: a run that logs nothing
 * pays nothing for it.
 */
public final class CliLogging {
    /** System property carrying the default level chosen by {@link #install}. */
    static final String DEFAULT_LEVEL = "palisade.log.default";

    /**
     * Called by {@link LogManager} when logging starts.
     *
     * @throws IOException if the configuration cannot be read (it is built in memory)
     */
    public CliLogging() throws IOException {
        String level = level(System.getenv("PALISADE_LOG"), System.getProperty(DEFAULT_LEVEL, "WARNING"));
        String config = "handlers=java.util.logging.ConsoleHandler\n"
                + ".level=" + level + "\n"
                + "java.util.logging.ConsoleHandler.level=ALL\n"
                + "java.util.logging.SimpleFormatter.format=palisade: %4$s: %5$s%6$s%n\n";
        LogManager.getLogManager().readConfiguration(
                new ByteArrayInputStream(config.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /**
     * Makes logging start with this configuration unless the user configured it himself.
     *
     * @param daemon whether the command is the daemon (information is logged too)
     */
    static void install(boolean daemon) {
        if (System.getProperty("java.util.logging.config.class") == null
                && System.getProperty("java.util.logging.config.file") == null) {
            System.setProperty(DEFAULT_LEVEL, daemon ? "INFO" : "WARNING");
            System.setProperty("java.util.logging.config.class", CliLogging.class.getName());
        }
    }

    /** The JUL level for {@code PALISADE_LOG}, or the default when unset or unknown. */
    static String level(String env, String fallback) {
        if (env == null) {
            return fallback;
        }
        return switch (env.strip().toLowerCase(Locale.ROOT)) {
            case "debug", "trace", "all" -> "ALL";
            case "info" -> "INFO";
            case "warning", "warn" -> "WARNING";
            case "error", "off" -> "SEVERE";
            default -> fallback;
        };
    }
}
