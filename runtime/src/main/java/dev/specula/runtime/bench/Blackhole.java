package dev.specula.runtime.bench;

/** Keeps measured results observable so the JIT cannot drop the work that produced them. */
final class Blackhole {

    private static volatile float sink;

    private Blackhole() {
    }

    static void consume(float[] values) {
        float s = 0;
        for (float v : values) {
            s += v;
        }
        sink = s;
    }
}
