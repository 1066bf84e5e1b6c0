package dev.specula.runtime.bench;

import dev.specula.devices.HostMemory;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

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

    public static ResidentMemory sample() {
        HostMemory m = HostMemory.read();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return new ResidentMemory(m.rssFileBytes(), m.rssAnonBytes(), heap.getUsed(), heap.getCommitted());
    }

    /** Whether the resident split is known (Linux 4.5 or later). */
    public boolean known() {
        return fileBytes >= 0 && anonBytes >= 0;
    }
}
