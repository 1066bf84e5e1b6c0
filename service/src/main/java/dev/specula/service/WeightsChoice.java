package dev.specula.service;

import dev.specula.devices.ByteSize;
import dev.specula.devices.HostMemory;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.model.Model;

import java.util.Locale;

/** What {@code --weights} asks for: a {@link WeightLayout}, or the one that fits this machine's memory. */
public enum WeightsChoice {
    AUTO, MAPPED, INTERLEAVED;

    /** The choice every command and the server make unless {@code --weights} says otherwise. */
    public static final String DEFAULT = "auto";
    /** {@code --weights}'s help, without its default. */
    public static final String HELP = "How a dense model's matrices are held: interleaved (Q4_0, Q4_K and Q8_0 copied at "
            + "load into a layout that multiplies 1.3-3x as fast, memory the kernel cannot page out), mapped (multiplied "
            + "where the file is mapped: nothing copied, pages the kernel may drop and read again) or auto (interleaved "
            + "when the copies leave a quarter of the available memory, at least 512 MiB, free).";

    /** The least memory {@link #AUTO} leaves available after the copies. */
    static final long HEADROOM_BYTES = 512L << 20;

    /** The choice a {@code --weights} value names; anything else is an error naming the option. */
    public static WeightsChoice named(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SpeculaException("invalid --weights " + value + ": must be auto, mapped or interleaved");
        }
    }

    /**
     * The layout for {@code model} on this machine, for an engine that decodes with a LoRA ensemble or, without
     * one, a sequence alone (copied in {@link WeightLayout#INTERLEAVED_WIDE}'s groups, faster for one row and slower
     * for an ensemble's members); says on stderr when {@link #AUTO} keeps the weights mapped.
     */
    public WeightLayout layoutFor(Model model, boolean ensemble) {
        WeightLayout copied = WeightLayout.interleavedFor(ensemble);
        if (this != AUTO) {
            return this == MAPPED ? WeightLayout.MAPPED : copied;
        }
        long copies = Engine.interleavedCopyBytes(model);
        long available = HostMemory.read().availableBytes();
        if (fits(copies, available)) {
            return copied;
        }
        System.err.println("[weights] multiplied where the file is mapped: copies of " + ByteSize.format(copies)
                + " into the faster layout would leave too little of the " + ByteSize.format(available)
                + " available (--weights interleaved copies them anyway)");
        return WeightLayout.MAPPED;
    }

    /** {@link #AUTO}'s rule: copy when {@code copies} leave a quarter of {@code available}, and 512 MiB, free. */
    static boolean fits(long copies, long available) {
        long free = available - copies;
        return copies == 0 || free >= Math.max(HEADROOM_BYTES, available / 4);
    }
}
