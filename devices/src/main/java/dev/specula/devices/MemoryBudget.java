package dev.specula.devices;

import java.math.BigDecimal;

/**
 * How much memory the runtime may use: a fraction of the device's total ({@code 50%}) or an
 * absolute size ({@code 2GiB}, see {@link ByteSize}). Used by profiles ({@code memory.budget})
 * and by the CLI's {@code --memory-budget}.
 */
public sealed interface MemoryBudget {

    /** A fraction of the total, in (0, 1]. */
    record Fraction(double fraction) implements MemoryBudget {
        public Fraction {
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("memory budget fraction must be in (0, 1], got " + fraction);
            }
        }

        @Override
        public long resolve(long totalBytes) {
            requireTotal(totalBytes);
            return (long) Math.floor(totalBytes * fraction);
        }

        @Override
        public String toString() {
            return BigDecimal.valueOf(fraction * 100).stripTrailingZeros().toPlainString() + "%";
        }
    }

    /** A fixed number of bytes, at least one. */
    record Absolute(long bytes) implements MemoryBudget {
        public Absolute {
            if (bytes <= 0) {
                throw new IllegalArgumentException("memory budget must be positive, got " + bytes + " bytes");
            }
        }

        @Override
        public long resolve(long totalBytes) {
            requireTotal(totalBytes);
            if (bytes > totalBytes) {
                throw new IllegalArgumentException("memory budget " + ByteSize.format(bytes)
                        + " exceeds the total memory " + ByteSize.format(totalBytes));
            }
            return bytes;
        }

        @Override
        public String toString() {
            return ByteSize.formatExact(bytes);
        }
    }

    /** The budget in bytes for a device with {@code totalBytes} of memory. */
    long resolve(long totalBytes);

    /** Parses {@code "50%"}, {@code "12.5 %"} or a size such as {@code "2GiB"}. */
    static MemoryBudget parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("memory budget is empty (use a percentage like 50% or a size like 2GiB)");
        }
        String s = spec.strip();
        if (s.endsWith("%")) {
            String number = s.substring(0, s.length() - 1).strip();
            double percent;
            try {
                percent = Double.parseDouble(number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("malformed percentage in memory budget '" + spec + "'");
            }
            if (!(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException("memory budget percentage must be in (0, 100], got '" + spec + "'");
            }
            return new Fraction(percent / 100);
        }
        long bytes;
        try {
            bytes = ByteSize.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("memory budget '" + spec
                    + "' is neither a percentage (50%) nor a size (2GiB): " + e.getMessage());
        }
        return new Absolute(bytes);
    }

    /** Parses {@code spec} and resolves it against {@code totalBytes}: the budget in bytes. */
    static long parse(String spec, long totalBytes) {
        return parse(spec).resolve(totalBytes);
    }

    private static void requireTotal(long totalBytes) {
        if (totalBytes <= 0) {
            throw new IllegalArgumentException("total memory must be positive, got " + totalBytes);
        }
    }
}
