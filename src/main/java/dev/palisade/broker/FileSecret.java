package dev.palisade.broker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The secret is the content of a host file, without surrounding white space.
 *
 * @param path the file (absolute)
 */
public record FileSecret(Path path) implements SecretSource {
    /** Validates. */
    public FileSecret {
        Objects.requireNonNull(path, "path");
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("secret file must be an absolute path: " + path);
        }
    }

    @Override
    public String describe() {
        return "file " + path;
    }
}
