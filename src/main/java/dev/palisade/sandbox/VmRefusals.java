package dev.palisade.sandbox;

import java.util.Optional;

import dev.palisade.limits.Limits;
import dev.palisade.seccomp.SeccompProfile;

/**
 * What a vm-tier session cannot honour yet, checked before it starts by every way of opening one
 * ({@code palisade run --tier vm}, the daemon's {@code session.create}), so a rule is refused
 * rather than silently dropped.
 */
public final class VmRefusals {
    private VmRefusals() {
    }

    /**
     * The first policy setting the vm tier cannot enforce.
     *
     * @param limits the effective limits
     * @param seccomp the policy's seccomp profile spec
     * @return the message explaining the refusal, or empty if the vm tier can run the policy
     */
    public static Optional<String> of(Limits limits, String seccomp) {
        if (limits.anyKernelLimit() || limits.anyScratchSize() || !limits.timeout().isZero()
                || !limits.sessionTimeout().isZero() || limits.maxOutput() > 0 || limits.openFiles() > 0
                || limits.maxFileSize() > 0) {
            return Optional.of("resource limits are not enforced by the vm tier yet (the guest has "
                    + "512 MiB and one CPU); use --tier namespace for limits");
        }
        if (!seccomp.equals(SeccompProfile.DEFAULT)) {
            // The guest image carries the default programs, compiled when it was built; a custom
            // profile would silently not apply there.
            return Optional.of("seccomp: the vm tier applies the image's default profile inside the guest; "
                    + "a custom profile ('" + seccomp + "') is not supported there yet");
        }
        return Optional.empty();
    }
}
