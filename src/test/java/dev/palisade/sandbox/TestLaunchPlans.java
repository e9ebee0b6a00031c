package dev.palisade.sandbox;

import java.util.List;

/**
 * Test access to {@link LaunchPlan}'s package-private parts, for extensions tested outside this
 * package before the launcher exists.
 */
public final class TestLaunchPlans {
    private TestLaunchPlans() {
    }

    /** A new plan for a tier. */
    public static LaunchPlan create(Tier tier) {
        return new LaunchPlan(tier);
    }

    /** The bwrap options added so far. */
    public static List<String> bwrapArgs(LaunchPlan plan) {
        return plan.bwrapArgs();
    }

    /** The parent descriptors to pass, in child-number order from 3. */
    public static List<Integer> passedFds(LaunchPlan plan) {
        return plan.passedFds();
    }
}
