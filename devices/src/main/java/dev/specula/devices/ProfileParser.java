package dev.specula.devices;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code .profile} text format of {@link DeviceProfile}.
 *
 * <pre>
 * # Comment lines start with '#'. Blank lines are ignored. One "key = value" per line.
 * name           = pi5-nvme                  # required: [a-z0-9][a-z0-9._-]*
 * description    = Raspberry Pi 5 8GB, NVMe on the M.2 HAT+
 * source         = https://... (free text: where the numbers come from; required)
 * storage        = NVMe SSD, PCIe 2.0 x1     (free text, optional)
 * dram           = 8GiB                      (required; sizes as in ByteSize)
 * memory.budget  = 60%                       (or an absolute size; default 50%)
 * memory.unified = false                     (an integrated GPU shares DRAM; default false)
 * storage.block  = 4KiB                      (O_DIRECT alignment; power of two; default 4KiB)
 * rand.chunk     = 4KiB                      (size of the random reads below; default storage.block)
 * seq.4KiB       = 120 MB/s                  (queue-depth-1 sequential reads of that chunk size;
 * seq.1MiB       = 430 MB/s                   units B/s KB/s MB/s GB/s KiB/s MiB/s GiB/s, bare = MB/s)
 * rand.qd1       = 9000 iops, 105 us         (random reads, N in flight: IOPS and mean latency,
 * rand.qd32      = 90000 iops, 350 us         latency in ns, us, µs, ms or s; rand.qd1 required)
 * </pre>
 * Inline comments are not supported (sources may contain '#'). Table entries may come in any
 * order; the parser sorts them and checks they are monotone (see {@link DeviceProfile}).
 * Every problem is a {@link DeviceProfileException} naming the file, line, key and problem.
 */
public final class ProfileParser {

    /** The fixed keys, in the order {@link ProfileWriter} writes them. */
    public static final List<String> KEYS = List.of("name", "description", "source", "storage", "dram",
            "memory.budget", "memory.unified", "storage.block", "rand.chunk");

    private static final Pattern SEQ_KEY = Pattern.compile("seq\\.(.+)");
    private static final Pattern RAND_KEY = Pattern.compile("rand\\.qd(.*)");
    private static final Pattern NUMBER_UNIT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-zµ/]*)");
    private static final Pattern RAND_VALUE = Pattern.compile(
            "([^,]+?)\\s*iops\\s*,\\s*(.+)", Pattern.CASE_INSENSITIVE);

    private ProfileParser() {
    }

    /** Reads a profile file. */
    public static DeviceProfile parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DeviceProfileException(file.toString(), 0, null, "cannot read: " + e, e);
        }
        return parse(text, file.toString());
    }

    /** Parses profile text; {@code fileName} appears in error messages. */
    public static DeviceProfile parse(String text, String fileName) {
        return new Run(fileName).parse(text);
    }

    private static final class Run {
        final String file;
        final Map<String, String> values = new HashMap<>();
        final Map<String, Integer> lines = new HashMap<>();
        final Map<Long, Integer> seqLines = new LinkedHashMap<>();
        final Map<Integer, Integer> randLines = new LinkedHashMap<>();
        final List<DeviceProfile.SeqPoint> seq = new ArrayList<>();
        final List<DeviceProfile.RandPoint> rand = new ArrayList<>();
        int lastLine;

        Run(String file) {
            this.file = file;
        }

        DeviceProfileException error(int line, String key, String problem) {
            return new DeviceProfileException(file, line, key, problem);
        }

        DeviceProfile parse(String text) {
            String[] rows = text.split("\r?\n", -1);
            for (int i = 0; i < rows.length; i++) {
                int line = i + 1;
                String row = rows[i].strip();
                if (i == 0 && row.startsWith("\uFEFF")) {
                    row = row.substring(1).strip();
                }
                if (row.isEmpty() || row.startsWith("#")) {
                    continue;
                }
                lastLine = line;
                int eq = row.indexOf('=');
                if (eq < 0) {
                    throw error(line, null, "expected 'key = value', got '" + row + "'");
                }
                String key = row.substring(0, eq).strip();
                String value = row.substring(eq + 1).strip();
                if (key.isEmpty()) {
                    throw error(line, null, "missing key before '='");
                }
                if (lines.containsKey(key)) {
                    throw error(line, key, "duplicate key (first set on line " + lines.get(key) + ")");
                }
                if (value.isEmpty()) {
                    throw error(line, key, "empty value");
                }
                lines.put(key, line);
                entry(line, key, value);
            }
            return build();
        }

        void entry(int line, String key, String value) {
            Matcher m;
            if (KEYS.contains(key)) {
                values.put(key, value);
            } else if ((m = SEQ_KEY.matcher(key)).matches()) {
                long chunk;
                try {
                    chunk = ByteSize.parse(m.group(1));
                } catch (IllegalArgumentException e) {
                    throw error(line, key, "bad chunk size in key: " + e.getMessage());
                }
                if (chunk <= 0) {
                    throw error(line, key, "chunk size must be positive");
                }
                Integer previous = seqLines.putIfAbsent(chunk, line);
                if (previous != null) {
                    throw error(line, key, "chunk size " + ByteSize.format(chunk) + " already given on line " + previous);
                }
                seq.add(new DeviceProfile.SeqPoint(chunk, bandwidth(line, key, value)));
            } else if ((m = RAND_KEY.matcher(key)).matches()) {
                int qd;
                try {
                    qd = Integer.parseInt(m.group(1));
                } catch (NumberFormatException e) {
                    throw error(line, key, "queue depth must be a whole number, like rand.qd4");
                }
                if (qd < 1) {
                    throw error(line, key, "queue depth must be at least 1");
                }
                Integer previous = randLines.putIfAbsent(qd, line);
                if (previous != null) {
                    throw error(line, key, "queue depth " + qd + " already given on line " + previous);
                }
                rand.add(randPoint(line, key, qd, value));
            } else {
                throw error(line, key, "unknown key (known: " + String.join(", ", KEYS)
                        + ", seq.<chunk size>, rand.qd<queue depth>)");
            }
        }

        double bandwidth(int line, String key, String value) {
            Matcher m = NUMBER_UNIT.matcher(value);
            if (!m.matches()) {
                if (value.startsWith("-")) {
                    throw error(line, key, "bandwidth must be positive, got '" + value + "'");
                }
                throw error(line, key, "expected a bandwidth like '850 MB/s', got '" + value + "'");
            }
            double number = Double.parseDouble(m.group(1));
            double scale = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "", "mb/s" -> 1e6;
                case "b/s" -> 1;
                case "kb/s" -> 1e3;
                case "gb/s" -> 1e9;
                case "kib/s" -> 1024.0;
                case "mib/s" -> 1024.0 * 1024;
                case "gib/s" -> 1024.0 * 1024 * 1024;
                default -> throw error(line, key, "unknown bandwidth unit '" + m.group(2)
                        + "' (use B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s or GiB/s)");
            };
            double bps = number * scale;
            if (!(bps > 0)) {
                throw error(line, key, "bandwidth must be positive, got '" + value + "'");
            }
            return bps;
        }

        DeviceProfile.RandPoint randPoint(int line, String key, int qd, String value) {
            Matcher m = RAND_VALUE.matcher(value);
            if (!m.matches()) {
                throw error(line, key, "expected '<iops> iops, <latency> us', got '" + value + "'");
            }
            String iopsText = m.group(1).strip();
            double iops;
            try {
                iops = Double.parseDouble(iopsText);
            } catch (NumberFormatException e) {
                throw error(line, key, "IOPS must be a number, got '" + iopsText + "'");
            }
            if (!(iops > 0) || Double.isInfinite(iops)) {
                throw error(line, key, "IOPS must be positive, got '" + iopsText + "'");
            }
            String latText = m.group(2).strip();
            if (latText.startsWith("-")) {
                throw error(line, key, "latency must be positive, got '" + latText + "'");
            }
            Matcher lm = NUMBER_UNIT.matcher(latText);
            if (!lm.matches()) {
                throw error(line, key, "expected a latency like '120 us', got '" + latText + "'");
            }
            double scaleToMicros = switch (lm.group(2).toLowerCase(Locale.ROOT)) {
                case "us", "µs" -> 1;
                case "ns" -> 1e-3;
                case "ms" -> 1e3;
                case "s" -> 1e6;
                case "" -> throw error(line, key, "latency needs a unit (ns, us, ms, s): '" + latText + "'");
                default -> throw error(line, key, "unknown latency unit '" + lm.group(2) + "' (use ns, us, ms or s)");
            };
            double micros = Double.parseDouble(lm.group(1)) * scaleToMicros;
            if (!(micros > 0)) {
                throw error(line, key, "latency must be positive, got '" + latText + "'");
            }
            return new DeviceProfile.RandPoint(qd, iops, micros);
        }

        String required(String key) {
            String v = values.get(key);
            if (v == null) {
                throw error(0, key, "missing required key");
            }
            return v;
        }

        long size(String key, String fallback) {
            String v = values.getOrDefault(key, fallback);
            if (v == null) {
                throw error(0, key, "missing required key");
            }
            try {
                return ByteSize.parse(v);
            } catch (IllegalArgumentException e) {
                throw error(lines.getOrDefault(key, 0), key, e.getMessage());
            }
        }

        DeviceProfile build() {
            String name = required("name");
            if (!DeviceProfile.NAME.matcher(name).matches()) {
                throw error(lines.get("name"), "name", "'" + name + "' must be lower-case letters, digits, '.', '_' or '-'");
            }
            required("source");
            long dram = size("dram", null);
            if (dram <= 0) {
                throw error(lines.get("dram"), "dram", "must be positive");
            }
            MemoryBudget budget;
            try {
                budget = MemoryBudget.parse(values.getOrDefault("memory.budget", "50%"));
                budget.resolve(dram);
            } catch (IllegalArgumentException e) {
                throw error(lines.getOrDefault("memory.budget", 0), "memory.budget", e.getMessage());
            }
            boolean unified = switch (values.getOrDefault("memory.unified", "false").toLowerCase(Locale.ROOT)) {
                case "true", "yes" -> true;
                case "false", "no" -> false;
                default -> throw error(lines.get("memory.unified"), "memory.unified",
                        "expected true or false, got '" + values.get("memory.unified") + "'");
            };
            long block = size("storage.block", "4KiB");
            if (block <= 0 || Long.bitCount(block) != 1) {
                throw error(lines.getOrDefault("storage.block", 0), "storage.block",
                        "must be a power of two, got " + block + " bytes");
            }
            long randChunk = size("rand.chunk", values.getOrDefault("storage.block", "4KiB"));
            if (randChunk <= 0) {
                throw error(lines.getOrDefault("rand.chunk", 0), "rand.chunk", "must be positive");
            }
            if (seq.isEmpty()) {
                throw error(0, "seq.<chunk>", "missing required key: give at least one sequential entry, like seq.1MiB = 850 MB/s");
            }
            if (!randLines.containsKey(1)) {
                throw error(0, "rand.qd1", "missing required key (random reads at queue depth 1)");
            }
            List<DeviceProfile.SeqPoint> seqSorted = DeviceProfile.sortedSeq(seq);
            for (int i = 1; i < seqSorted.size(); i++) {
                String problem = DeviceProfile.checkSequentialPair(seqSorted.get(i - 1), seqSorted.get(i));
                if (problem != null) {
                    long chunk = seqSorted.get(i).chunkBytes();
                    int line = seqLines.get(chunk);
                    throw error(line, keyAt(line), "non-monotonic table: " + problem);
                }
            }
            List<DeviceProfile.RandPoint> randSorted = DeviceProfile.sortedRand(rand);
            for (int i = 1; i < randSorted.size(); i++) {
                String problem = DeviceProfile.checkRandomPair(randSorted.get(i - 1), randSorted.get(i));
                if (problem != null) {
                    int line = randLines.get(randSorted.get(i).queueDepth());
                    throw error(line, keyAt(line), "non-monotonic table: " + problem);
                }
            }
            try {
                return new DeviceProfile(name, values.get("description"), values.get("source"), values.get("storage"),
                        dram, budget, unified, block, randChunk, seqSorted, randSorted);
            } catch (IllegalArgumentException e) {
                throw error(0, null, e.getMessage());
            }
        }

        String keyAt(int line) {
            return lines.entrySet().stream().filter(e -> e.getValue() == line).map(Map.Entry::getKey)
                    .findFirst().orElse(null);
        }
    }
}
