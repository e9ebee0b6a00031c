package dev.palisade.broker;

import java.util.Objects;

/**
 * The secret is the value of an environment variable of the host process.
 *
 * @param variable the variable's name
 */
public record EnvSecret(String variable) implements SecretSource {
    /** Validates. */
    public EnvSecret {
        Objects.requireNonNull(variable, "variable");
        if (!variable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("invalid environment variable name '" + variable + "'");
        }
    }

    @Override
    public String describe() {
        return "environment variable " + variable;
    }
}
