package dev.specula.devices;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a {@link DeviceProfile} in the {@code .profile} format that {@link ProfileParser} reads. */
public final class ProfileWriter {
    private ProfileWriter() {
    }

    /** The profile as text, preceded by {@code comments} (each written as a {@code #} line). */
    public static String toText(DeviceProfile p, List<String> comments) {
        StringBuilder sb = new StringBuilder();
        for (String comment : comments) {
            for (String line : comment.split("\r?\n")) {
                sb.append(line.isEmpty() ? "#" : "# " + line).append('\n');
            }
        }
        if (!comments.isEmpty()) {
            sb.append('\n');
        }
        kv(sb, "name", p.name());
        kv(sb, "description", p.description());
        kv(sb, "source", p.source());
        kv(sb, "storage", p.storage());
        kv(sb, "dram", ByteSize.formatExact(p.dramBytes()));
        kv(sb, "memory.budget", p.defaultBudget().toString());
        kv(sb, "memory.unified", Boolean.toString(p.unifiedMemory()));
        kv(sb, "storage.block", ByteSize.formatExact(p.blockBytes()));
        kv(sb, "rand.chunk", ByteSize.formatExact(p.randomChunkBytes()));
        sb.append("\n# Sequential reads, one request at a time (queue depth 1), by chunk size.\n");
        for (DeviceProfile.SeqPoint s : p.sequential()) {
            kv(sb, "seq." + ByteSize.formatExact(s.chunkBytes()), plain(s.bytesPerSecond() / 1e6) + " MB/s");
        }
        sb.append("\n# Random reads of rand.chunk bytes, N requests in flight: IOPS and mean latency.\n");
        for (DeviceProfile.RandPoint r : p.random()) {
            kv(sb, "rand.qd" + r.queueDepth(), plain(r.iops()) + " iops, " + plain(r.latencyMicros()) + " us");
        }
        return sb.toString();
    }

    public static String toText(DeviceProfile p) {
        return toText(p, List.of());
    }

    /** Writes the profile to {@code file} (replacing it). */
    public static void write(DeviceProfile p, Path file, List<String> comments) throws IOException {
        Files.writeString(file, toText(p, comments), StandardCharsets.UTF_8);
    }

    private static void kv(StringBuilder sb, String key, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        String oneLine = value.replaceAll("\\s*\r?\n\\s*", " ").strip();
        sb.append(String.format("%-15s= %s", key, oneLine)).append('\n');
    }

    /** Shortest decimal that reads back as the same double, without exponent. */
    static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
