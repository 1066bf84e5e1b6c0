package dev.specula.runtime.bench;

import dev.specula.devices.HostMemory;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * This process's memory at one moment, split the way the zero-copy claim is judged: resident pages of
 * mapped files (a memory-mapped model counts here, page by page as it is read, and the kernel can drop
 * them again at no cost), anonymous resident pages (the JVM's heap, native buffers, thread stacks, JIT
 * code: memory the model cannot give back), and the JVM heap, whose committed part is anonymous memory
 * that garbage has touched once and keeps resident until the collector shrinks the heap.
 *
 * @param fileBytes          file-backed resident set (RssFile), -1 where /proc does not give it
 * @param anonBytes          anonymous resident set (RssAnon), -1 where /proc does not give it
 * @param heapUsedBytes      JVM heap in use, live objects and garbage not yet collected
 * @param heapCommittedBytes JVM heap committed
 */
public record ResidentMemory(long fileBytes, long anonBytes, long heapUsedBytes, long heapCommittedBytes) {

    /** Longer than HotSpot's five seconds between frees of its pooled compiler arenas. */
    static final long QUIET_MILLIS = 5_500;
    static final long SETTLE_MILLIS = 30_000;
    private static final long POLL_MILLIS = 250;

    /**
     * The process's memory now, after asking the JVM to hand the C heap's free pages back to the system
     * ({@code System.trim_native_heap}, glibc's {@code malloc_trim}; the launcher has the JVM do the same every
     * second). Without it the sample counts memory freed but kept by the C allocator: C2 takes up to 50 MB to
     * compile one of the interleaved Q4_K kernels and frees it, and tinyllama-1.1b Q4_K's heap and buffers read
     * 85-112 MiB depending on whether glibc had returned it yet, against 79-84 MiB trimmed.
     */
    public static ResidentMemory sample() {
        trimNativeHeap();
        HostMemory m = HostMemory.read();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return new ResidentMemory(m.rssFileBytes(), m.rssAnonBytes(), heap.getUsed(), heap.getCommitted());
    }

    /**
     * {@link #sample()} once the JIT has compiled nothing for {@value #QUIET_MILLIS} ms (at most {@value #SETTLE_MILLIS}
     * ms from now): the memory of a process at work rather than of one compiling. C2 compiles the interleaved Q4_K
     * kernels in arenas of up to 50 MB, which HotSpot pools and frees every five seconds: tinyllama-1.1b Q4_K
     * held 704 MB anonymous right after a run, 669 MB six seconds later.
     */
    public static ResidentMemory settled() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit != null && jit.isCompilationTimeMonitoringSupported()) {
            long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
            long compiled = jit.getTotalCompilationTime();
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < QUIET_MILLIS * 1_000_000 && System.nanoTime() < deadline) {
                sleep(POLL_MILLIS);
                long now = jit.getTotalCompilationTime();
                if (now != compiled) {
                    compiled = now;
                    quietSince = System.nanoTime();
                }
            }
        }
        return sample();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void trimNativeHeap() {
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "systemTrimNativeHeap", new Object[]{null}, new String[]{String[].class.getName()});
        } catch (JMException | RuntimeException e) {
            // No such command on this JVM or platform: the sample counts the C heap as it is.
        }
    }

    /** Whether the resident split is known (Linux 4.5 or later). */
    public boolean known() {
        return fileBytes >= 0 && anonBytes >= 0;
    }
}
