package dev.specula.devices;

/**
 * Receives the progress of a {@link StorageCalibrator} run, e.g. to draw a progress bar.
 * Called from the calibrating thread (never concurrently), often: keep it cheap.
 */
@FunctionalInterface
public interface CalibrationListener {

    /** Does nothing. */
    CalibrationListener NONE = (stage, fraction) -> { };

    /**
     * @param stage what is being measured now, e.g. {@code "write test file"},
     *     {@code "sequential 64KiB"}, {@code "random 4KiB qd16"}, {@code "done"}
     * @param fraction progress of the whole calibration, from 0 to 1, non-decreasing
     */
    void progress(String stage, double fraction);
}
