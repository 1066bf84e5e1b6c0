package dev.specula.gpu;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

class LoraKernelTest {

    /** y += scale * B (A x) for one member, in double. */
    private static float[] reference(float[] a, float[] b, float scale, float[] x, float[] y, int in, int out, int rank) {
        double[] t = new double[rank];
        for (int j = 0; j < rank; j++) {
            for (int i = 0; i < in; i++) {
                t[j] += (double) a[j * in + i] * x[i];
            }
        }
        float[] res = y.clone();
        for (int o = 0; o < out; o++) {
            double acc = 0;
            for (int j = 0; j < rank; j++) {
                acc += b[o * rank + j] * t[j];
            }
            res[o] = (float) (y[o] + scale * acc);
        }
        return res;
    }

    private static void check(int members, int in, int out, int rank, int[] index, int adapters, long seed) {
        GpuKernels k = Pocl.kernels();
        Random r = new Random(seed);
        float[][] a = new float[adapters][];
        float[][] b = new float[adapters][];
        float[] scales = new float[adapters];
        for (int i = 0; i < adapters; i++) {
            a[i] = Ref.random(r, rank * in);
            b[i] = Ref.random(r, out * rank);
            scales[i] = 0.5f + i;
        }
        float[] x = Ref.random(r, members * in);
        float[] y = Ref.random(r, members * out);
        try (GpuLoraSet set = k.uploadLora(a, b, scales, in, out, rank)) {
            float[] got = k.lora(set, x, y, index, members);
            for (int m = 0; m < members; m++) {
                float[] ym = Arrays.copyOfRange(y, m * out, (m + 1) * out);
                float[] expected = index[m] < 0 ? ym : reference(a[index[m]], b[index[m]], scales[index[m]],
                        Arrays.copyOfRange(x, m * in, (m + 1) * in), ym, in, out, rank);
                Ref.assertClose(expected, Arrays.copyOfRange(got, m * out, (m + 1) * out), 1e-4, "member " + m);
            }
        }
    }

    @Test
    void batchedEqualsSeparateReferencesOneAdapterPerMember() {
        check(5, 96, 67, 8, new int[] {0, 1, 2, 3, 4}, 5, 1);
        check(1, 33, 1, 1, new int[] {0}, 1, 2);
        check(11, 130, 200, 16, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 11, 3);
    }

    @Test
    void membersMaySharedAdaptersOrHaveNone() {
        check(6, 64, 65, 4, new int[] {2, 0, -1, 2, 1, -1}, 3, 4);
    }
}
