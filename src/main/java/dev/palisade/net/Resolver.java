package dev.palisade.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns an allowed, canonical host name into addresses. The proxies call it exactly once per
 * connection, after the name has been allowed, and connect only to an address it returned and the
 * policy checked (no second lookup, so DNS rebinding cannot swap the address).
 */
@FunctionalInterface
public interface Resolver {
    /** The system resolver ({@link InetAddress#getAllByName}); only ever given names, never literals. */
    Resolver SYSTEM = name -> List.of(InetAddress.getAllByName(name));

    /**
     * Resolves a name.
     *
     * @param canonicalName lower-case punycode name without a trailing dot
     * @return its addresses, at least one
     * @throws UnknownHostException if it has none
     */
    List<InetAddress> resolve(String canonicalName) throws UnknownHostException;
}
