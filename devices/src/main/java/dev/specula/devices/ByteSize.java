package dev.specula.devices;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Parses and formats byte counts such as {@code 4KiB}, {@code 1 MiB}, {@code 1.5 GB}, {@code 512k}.
 *
 * <p>Accepted units (case-insensitive, optional space between number and unit):
 * <ul>
 *   <li>none or {@code B}: bytes (then the number must be whole);</li>
 *   <li>{@code KiB MiB GiB TiB}: binary, powers of 1024;</li>
 *   <li>{@code KB MB GB TB}: decimal (SI), powers of 1000, as storage vendors use them;</li>
 *   <li>{@code k K m M g G t T}: binary, like the JVM's {@code -Xmx512k} and {@code dd}.</li>
 * </ul>
 * Fractions are allowed ({@code 1.5GiB}) and must come out as a whole number of bytes after
 * rounding to the nearest byte. Negative values, overflow past {@link Long#MAX_VALUE}, and
 * exponents are rejected. Errors are {@link IllegalArgumentException}s whose message quotes the input.
 */
public final class ByteSize {
    public static final long KiB = 1024L;
    public static final long MiB = 1024L * KiB;
    public static final long GiB = 1024L * MiB;
    public static final long TiB = 1024L * GiB;

    private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private ByteSize() {
    }

    /** Parses a byte count; see the class comment for the accepted forms. */
    public static long parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("size is missing");
        }
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("size is empty");
        }
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
            i++;
        }
        String number = s.substring(0, i);
        String unit = s.substring(i).strip();
        if (number.isEmpty()) {
            if (s.startsWith("-")) {
                throw new IllegalArgumentException("size must not be negative: '" + text + "'");
            }
            throw new IllegalArgumentException("size must start with a number, like 4KiB or 1.5 GB: '" + text + "'");
        }
        if (number.chars().filter(c -> c == '.').count() > 1 || number.startsWith(".") || number.endsWith(".")) {
            throw new IllegalArgumentException("malformed number in size '" + text + "'");
        }
        long multiplier = multiplier(unit, text);
        BigDecimal value = new BigDecimal(number).multiply(BigDecimal.valueOf(multiplier));
        BigDecimal rounded = value.setScale(0, RoundingMode.HALF_UP);
        if (multiplier == 1 && value.compareTo(rounded) != 0) {
            throw new IllegalArgumentException("a size in bytes must be a whole number: '" + text + "'");
        }
        if (rounded.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        return rounded.longValueExact();
    }

    private static long multiplier(String unit, String text) {
        switch (unit.toLowerCase(Locale.ROOT)) {
            case "", "b", "byte", "bytes":
                return 1;
            case "k", "kib":
                return KiB;
            case "m", "mib":
                return MiB;
            case "g", "gib":
                return GiB;
            case "t", "tib":
                return TiB;
            case "kb":
                return 1000L;
            case "mb":
                return 1000_000L;
            case "gb":
                return 1000_000_000L;
            case "tb":
                return 1000_000_000_000L;
            default:
                throw new IllegalArgumentException("unknown size unit '" + unit + "' in '" + text
                        + "' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB, or k/m/g/t for binary)");
        }
    }

    /**
     * Human-readable binary form with at most two decimals: {@code 512 B}, {@code 4 KiB},
     * {@code 1.5 MiB}, {@code 7.45 GiB}. {@link #parse} reads it back to within 0.5% (exactly for
     * values that are whole multiples of a unit at most three digits long).
     */
    public static String format(long bytes) {
        if (bytes < 0) {
            return "-" + format(-bytes);
        }
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        if (unit == 0) {
            return bytes + " B";
        }
        BigDecimal rounded = BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros();
        return rounded.toPlainString() + " " + BINARY_UNITS[unit];
    }

    /**
     * Exact compact form without spaces, using the largest binary unit that divides the value:
     * {@code 4KiB}, {@code 1MiB}, {@code 1536B}. Used for profile keys such as {@code seq.64KiB}.
     */
    public static String formatExact(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size " + bytes);
        }
        int unit = 0;
        long value = bytes;
        while (value != 0 && value % 1024 == 0 && unit < BINARY_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return value + BINARY_UNITS[unit];
    }
}
