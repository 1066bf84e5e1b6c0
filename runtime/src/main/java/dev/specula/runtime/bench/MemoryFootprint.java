package dev.specula.runtime.bench;

/**
 * Evidence for the zero-copy claim, "resident memory after loading a model is the mapped file plus at most
 * {@value #HEAP_AND_BUFFERS_BOUND} bytes of heap and buffers": the process's memory before the model was
 * loaded (the JVM's own baseline), once the engine is ready, and at the end of a run with its KV cache
 * still live, once the JIT has gone quiet (compiler arenas are transient). Heap and buffers are the anonymous growth over the baseline, so the JVM's own start-up
 * memory is not charged to the model; they include the run's KV cache, JIT-compiled code and garbage the
 * collector has not reclaimed yet, which makes the bound a strict one. The file-backed growth is, apart
 * from a few pages of JDK classes, the model's pages that the run has touched: small after loading if
 * loading reads only the header, up to the whole file once every weight has been used. Weights the engine
 * copied into a faster layout at load time are anonymous memory too; they are the model's weights, not heap
 * or buffers, so they are counted apart (and the file's pages they were read from are let go).
 *
 * @param weightBytes       bytes of the model's weights, mapped from its file
 * @param copiedWeightBytes bytes of those weights held copied into a faster layout, in anonymous memory
 * @param kvCacheBytes      bytes of the run's KV cache
 */
public record MemoryFootprint(long weightBytes, long copiedWeightBytes, long kvCacheBytes, ResidentMemory baseline,
                              ResidentMemory afterLoad, ResidentMemory afterRun) {

    /** 64 MB, decimal as the claim states it. */
    public static final long HEAP_AND_BUFFERS_BOUND = 64_000_000L;

    /** Whether /proc gave the resident split at every sample; the other figures are meaningless otherwise. */
    public boolean known() {
        return baseline.known() && afterLoad.known() && afterRun.known();
    }

    /** Anonymous growth over the baseline at the higher of the two samples, less the copied weights. */
    public long heapAndBuffersBytes() {
        return Math.max(afterLoad.anonBytes(), afterRun.anonBytes()) - baseline.anonBytes() - copiedWeightBytes;
    }

    public boolean withinBound() {
        return known() && heapAndBuffersBytes() <= HEAP_AND_BUFFERS_BOUND;
    }

    /** File-backed growth over the baseline once the engine is ready. */
    public long filePagesAfterLoad() {
        return afterLoad.fileBytes() - baseline.fileBytes();
    }

    /** File-backed growth over the baseline at the end of the run. */
    public long filePagesAfterRun() {
        return afterRun.fileBytes() - baseline.fileBytes();
    }
}
