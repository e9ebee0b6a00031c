package dev.palisade.sandbox;

import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Pattern;

/** Session ids: {@code adjective-scientist}, or one the user gives, checked to be path-safe. */
public final class SessionIds {
    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final List<String> ADJECTIVES = List.of(
            "agile", "bold", "brave", "bright", "calm", "clever", "curious", "daring", "eager", "earnest",
            "fearless", "gentle", "happy", "jolly", "keen", "kind", "lively", "lucid", "merry", "modest",
            "nimble", "patient", "quiet", "quirky", "serene", "sharp", "steady", "swift", "tender", "vivid",
            "witty", "zealous");
    private static final List<String> SCIENTISTS = List.of(
            "babbage", "bohr", "curie", "darwin", "dijkstra", "einstein", "euler", "faraday", "fermi",
            "feynman", "franklin", "galileo", "gauss", "goodall", "hopper", "hypatia", "kepler", "knuth",
            "lamarr", "lovelace", "maxwell", "meitner", "mendel", "newton", "noether", "pasteur", "planck",
            "ramanujan", "shannon", "tesla", "turing", "wu");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionIds() {
    }

    /** A fresh id such as {@code zealous-ramanujan}. */
    public static String generate() {
        return ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size())) + "-" + SCIENTISTS.get(RANDOM.nextInt(SCIENTISTS.size()));
    }

    /**
     * Checks a user-given id.
     *
     * @param id the id
     * @return the id
     * @throws IllegalArgumentException naming the rule
     */
    public static String validate(String id) {
        if (id == null || !VALID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid session id '" + id
                    + "' (lower-case letters, digits and '-', starting with a letter or digit, at most 63)");
        }
        return id;
    }
}
