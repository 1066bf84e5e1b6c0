package dev.specula.runtime;

/** Pearson's correlation of two vectors of logits, as parity tests compare a model with another rendering of it. */
public final class Correlation {

    private Correlation() {
    }

    public static double of(float[] a, float[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i] / (double) a.length;
            mb += b[i] / (double) b.length;
        }
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }
        return ab / Math.sqrt(aa * bb);
    }
}
