package dev.specula.devices;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Memory of the machine this process runs on, and this process's resident set.
 *
 * <p>On Linux the numbers come from {@code /proc/meminfo} ({@code MemTotal}, {@code MemAvailable})
 * and {@code /proc/self/status} ({@code VmRSS}, {@code VmHWM}: the peak resident set, and its split
 * into {@code RssAnon}, the process's own allocations, and {@code RssFile}, pages of mapped files
 * such as a memory-mapped model that the kernel can drop and read again at no cost). Elsewhere,
 * or where {@code /proc} cannot be read, they fall back to the JVM's management beans: total and
 * free physical memory from {@link com.sun.management.OperatingSystemMXBean}, and for the process
 * the JVM's committed heap plus non-heap memory, which undercounts native allocations and mapped
 * files; {@link #fromProc()} is then false and the peak and the split are -1 (unknown).
 *
 * @param totalBytes physical memory
 * @param availableBytes memory available for new allocations without swapping (MemAvailable),
 *     or the free memory in the fallback
 * @param rssBytes this process's resident set now
 * @param peakRssBytes the peak resident set since the process started, or -1 if unknown
 * @param rssAnonBytes the anonymous part of the resident set (heap, native buffers, JIT code), or -1 if unknown
 * @param rssFileBytes the file-backed part of the resident set (mapped files, the JVM's own libraries), or -1
 *     if unknown
 * @param fromProc whether the numbers come from /proc
 */
public record HostMemory(long totalBytes, long availableBytes, long rssBytes, long peakRssBytes, long rssAnonBytes,
                         long rssFileBytes, boolean fromProc) {

    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path STATUS = Path.of("/proc/self/status");

    /** Reads the current numbers. */
    public static HostMemory read() {
        try {
            if (Files.isReadable(MEMINFO) && Files.isReadable(STATUS)) {
                HostMemory m = parse(Files.readString(MEMINFO), Files.readString(STATUS));
                if (m != null) {
                    return m;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the JVM's view
        }
        return fallback();
    }

    /**
     * Parses the text of {@code /proc/meminfo} and {@code /proc/self/status}; null if
     * {@code MemTotal} or {@code VmRSS} is missing. A missing {@code MemAvailable} (kernels before
     * 3.14) is approximated by {@code MemFree + Buffers + Cached}; a missing {@code VmHWM}, {@code RssAnon}
     * or {@code RssFile} (kernels before 4.5) gives -1.
     */
    public static HostMemory parse(String meminfo, String status) {
        OptionalLong total = kib(meminfo, "MemTotal");
        OptionalLong rss = kib(status, "VmRSS");
        if (total.isEmpty() || rss.isEmpty()) {
            return null;
        }
        OptionalLong available = kib(meminfo, "MemAvailable");
        long avail = available.isPresent() ? available.getAsLong()
                : kib(meminfo, "MemFree").orElse(0) + kib(meminfo, "Buffers").orElse(0) + kib(meminfo, "Cached").orElse(0);
        return new HostMemory(total.getAsLong(), avail, rss.getAsLong(), kib(status, "VmHWM").orElse(-1),
                kib(status, "RssAnon").orElse(-1), kib(status, "RssFile").orElse(-1), true);
    }

    /** The value of a {@code Key:   1234 kB} line in bytes. */
    static OptionalLong kib(String text, String key) {
        for (String line : text.split("\n")) {
            if (line.startsWith(key + ":")) {
                String[] parts = line.substring(key.length() + 1).strip().split("\\s+");
                try {
                    long value = Long.parseLong(parts[0]);
                    long unit = parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? 1024 : 1;
                    return OptionalLong.of(value * unit);
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    static HostMemory fallback() {
        long total = -1;
        long free = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            total = os.getTotalMemorySize();
            free = os.getFreeMemorySize();
        }
        if (total <= 0) {
            total = Runtime.getRuntime().maxMemory();
            free = Runtime.getRuntime().freeMemory();
        }
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long rss = mem.getHeapMemoryUsage().getCommitted() + mem.getNonHeapMemoryUsage().getCommitted();
        return new HostMemory(total, free, rss, -1, -1, -1, false);
    }

    @Override
    public String toString() {
        return "total " + ByteSize.format(totalBytes) + ", available " + ByteSize.format(availableBytes)
                + ", process RSS " + ByteSize.format(rssBytes)
                + (peakRssBytes >= 0 ? " (peak " + ByteSize.format(peakRssBytes) + ")" : "")
                + (fromProc ? "" : " [JVM estimate: /proc unavailable]");
    }
}
