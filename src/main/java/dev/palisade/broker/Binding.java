package dev.palisade.broker;

import java.util.Objects;

/**
 * A credential of a running session: its spec, the placeholder the sandbox sees, the real secret.
 *
 * @param spec the credential
 * @param placeholder the per-session placeholder
 * @param secret the real secret, host side only
 */
record Binding(CredentialSpec spec, String placeholder, LiveSecret secret) {
    Binding {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(placeholder, "placeholder");
        Objects.requireNonNull(secret, "secret");
    }

    @Override
    public String toString() {
        return "Binding[" + spec.name() + "]"; // never print the secret
    }
}
