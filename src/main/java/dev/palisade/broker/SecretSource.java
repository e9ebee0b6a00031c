package dev.palisade.broker;

/**
 * Where a credential's real secret comes from on the host. Only the host process reads it; it is
 * never passed into the sandbox.
 */
public sealed interface SecretSource permits EnvSecret, FileSecret, CommandSecret {
    /** A short description for messages, without the secret ("environment variable GH_TOKEN"). */
    String describe();
}
