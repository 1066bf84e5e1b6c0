package dev.specula.service.cli;

import dev.specula.devices.DeviceProfile;
import dev.specula.devices.StorageThrottle;
import dev.specula.service.FlashSettings;
import picocli.CommandLine.Option;

import java.util.Optional;

/**
 * {@code --device PROFILE}: the device whose storage a command simulates. Mix it into a command and ask
 * for {@link #profile()} or a {@link #throttle()} for flash reads.
 */
public final class DeviceOption {

    @Option(names = "--device", paramLabel = "PROFILE",
            description = "Simulate this device's storage: a built-in profile, a user profile (in $SPECULA_DEVICES "
                    + "or ~/.config/specula/devices) or a .profile file. See `specula devices list`.")
    String device;

    /** The chosen profile, or empty when {@code --device} was not given. */
    public Optional<DeviceProfile> profile() {
        if (device == null) {
            return Optional.empty();
        }
        return Optional.of(FlashSettings.profile(device));
    }

    /** A throttle pacing reads to the chosen profile, or empty when {@code --device} was not given. */
    public Optional<StorageThrottle> throttle() {
        return profile().map(StorageThrottle::new);
    }
}
