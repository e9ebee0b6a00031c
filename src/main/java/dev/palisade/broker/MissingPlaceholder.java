package dev.palisade.broker;

/** What to do with a request to a bound host that does not carry the placeholder where it goes. */
public enum MissingPlaceholder {
    /** Forward it unchanged (e.g. anonymous requests to a public API). */
    PASS,
    /** Answer 403 and record a violation. */
    REFUSE
}
