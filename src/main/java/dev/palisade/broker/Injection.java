package dev.palisade.broker;

/** Where the real secret goes in a request to a bound host. */
public sealed interface Injection permits HeaderInjection, QueryInjection {
}
