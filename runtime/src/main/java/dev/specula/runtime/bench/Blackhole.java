package dev.specula.runtime.bench;

/** Keeps measured results observable so the JIT cannot drop the work that produced them. */
final class Blackhole {

    private static volatile float sink;
    private static volatile long longSink;

    private Blackhole() {
    }

    static void consume(float[] values) {
        float s = 0;
        for (float v : values) {
            s += v;
        }
        sink = s;
    }

    static void consume(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        longSink = s;
    }
}
