package dev.palisade.limits;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes ({@code 512M}, {@code 10MiB}, {@code 1G}, {@code 4096}) and durations ({@code 2s},
 * {@code 500ms}, {@code 5m}, {@code 1h}, {@code 30}) as written on the command line and in
 * policies. Size suffixes are binary (K = 1024), as in {@code ulimit} and tmpfs(5).
 */
public final class Quantities {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    private Quantities() {
    }

    /**
     * Parses a size in bytes.
     *
     * @param text digits with an optional K, M, G or T suffix (optionally followed by {@code iB} or {@code B})
     * @return the bytes
     * @throws IllegalArgumentException if malformed or too large
     */
    public static long bytes(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 4096, 512M, 10MiB, 2G)");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is too large", e);
        }
    }

    /**
     * Parses a duration.
     *
     * @param text digits with an optional ms, s, m or h suffix (seconds without one)
     * @return the duration
     * @throws IllegalArgumentException if malformed
     */
    public static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 2s, 5m, 1h)");
        }
        try {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("duration '" + text + "' is too large", e);
        }
    }
}
