package dev.specula.service;

import dev.specula.devices.DeviceProfile;
import dev.specula.devices.DeviceProfileException;
import dev.specula.devices.DeviceRegistry;
import dev.specula.devices.HostMemory;
import dev.specula.devices.MemoryBudget;
import dev.specula.devices.StorageThrottle;
import dev.specula.offload.OffloadSetup;
import dev.specula.offload.PredictorKind;
import dev.specula.runtime.SpeculaException;

/**
 * How a {@code .specula} model runs, as the user wrote it on the command line or in the server's
 * configuration; the same for every command and for {@code serve}.
 *
 * @param memoryBudget a size or a percentage of this machine's memory, or null for no limit
 * @param sparsity     fraction of neurons to skip, a setting calibrated at convert time; 0 reads every neuron
 * @param predictor    {@code low-rank} or {@code gate}, for a sparsity above 0
 * @param window       tokens whose neurons stay cached; 0 keeps them while there is room
 * @param device       device profile to pace flash reads to, or null
 * @param pageCache    read neurons through the page cache (a baseline) instead of O_DIRECT
 */
public record FlashSettings(String memoryBudget, double sparsity, String predictor, int window, String device,
                            boolean pageCache) {

    /** Every neuron, no budget, direct reads: what a .specula model gets when nothing is said. */
    public static FlashSettings defaults() {
        return new FlashSettings(null, 0, PredictorKind.LOW_RANK.cliName(), 0, null, false);
    }

    /** Whether any option only a .specula model can use was given. */
    public boolean requested() {
        return memoryBudget != null || sparsity != 0 || device != null || pageCache;
    }

    public OffloadSetup setup() {
        PredictorKind kind = sparsity == 0 ? PredictorKind.ALL : PredictorKind.parse(predictor);
        StorageThrottle throttle = device == null ? null : new StorageThrottle(profile(device));
        long budget = memoryBudget == null ? 0 : budgetBytes(memoryBudget);
        return new OffloadSetup(kind, sparsity, window, budget, throttle, pageCache);
    }

    /** A {@code --memory-budget} value in bytes; a percentage is of this machine's memory. */
    public static long budgetBytes(String spec) {
        try {
            return MemoryBudget.parse(spec).resolve(HostMemory.read().totalBytes());
        } catch (IllegalArgumentException e) {
            throw new SpeculaException("invalid --memory-budget " + spec + ": " + e.getMessage());
        }
    }

    /** A {@code --device} value: a built-in or user profile name, or a {@code .profile} file; a bad one is a user error. */
    public static DeviceProfile profile(String nameOrPath) {
        try {
            return DeviceRegistry.fromEnvironment().resolve(nameOrPath);
        } catch (DeviceProfileException e) {
            throw new SpeculaException("--device " + nameOrPath + ": " + e.getMessage(), e);
        }
    }
}
