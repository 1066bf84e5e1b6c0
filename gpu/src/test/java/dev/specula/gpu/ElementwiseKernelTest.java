package dev.specula.gpu;

import dev.specula.runtime.model.RopeStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

class ElementwiseKernelTest {

    @Test
    void rmsnorm() {
        GpuKernels k = Pocl.kernels();
        Random r = new Random(11);
        for (int n : new int[] {1, 7, 64, 300, 4097}) {
            for (int batch : new int[] {1, 5}) {
                float[] x = Ref.random(r, batch * n);
                float[] w = Ref.random(r, n);
                Ref.assertClose(Ref.rmsnorm(x, w, batch, 1e-5f), k.rmsnorm(x, w, batch, 1e-5f), 1e-4,
                        "rmsnorm n=" + n + " batch=" + batch);
            }
        }
    }

    @Test
    void swiglu() {
        GpuKernels k = Pocl.kernels();
        Random r = new Random(12);
        for (int n : new int[] {1, 63, 65, 1000}) {
            float[] g = Ref.random(r, n);
            float[] u = Ref.random(r, n);
            g[0] = 30; // saturated gate
            if (n > 1) {
                g[1] = -30;
            }
            Ref.assertClose(Ref.swiglu(g, u), k.swiglu(g, u, n), 1e-5, "swiglu n=" + n);
        }
    }

    @Test
    void addInPlace() {
        GpuKernels k = Pocl.kernels();
        OpenClContext ctx = k.context();
        Random r = new Random(13);
        float[] a = Ref.random(r, 77);
        float[] b = Ref.random(r, 77);
        float[] sum = new float[77];
        for (int i = 0; i < 77; i++) {
            sum[i] = a[i] + b[i];
        }
        try (DeviceBuffer ab = ctx.upload(a); DeviceBuffer bb = ctx.upload(b)) {
            k.addInPlace(ab, bb, 77);
            Ref.assertClose(sum, ctx.readFloats(ab, 77), 1e-6, "add");
        }
    }

    @ParameterizedTest
    @EnumSource(RopeStyle.class)
    void rope(RopeStyle style) {
        GpuKernels k = Pocl.kernels();
        Random r = new Random(14);
        int[][] cases = {{1, 8, 64, 0}, {3, 4, 16, 5}, {2, 6, 2, 299}, {4, 2, 128, 300}};
        for (int[] c : cases) {
            int batch = c[0];
            int heads = c[1];
            int hd = c[2];
            int start = c[3];
            float theta = 10000f;
            float[] x = Ref.random(r, batch * heads * hd);
            float[] expected = x.clone();
            Ref.rope(expected, batch, heads, hd, start, theta, style == RopeStyle.INTERLEAVED);
            k.rope(x, batch, heads, hd, start, GpuKernels.ropeFrequencies(hd, theta), style);
            Ref.assertClose(expected, x, 1e-4, "rope " + style + " " + java.util.Arrays.toString(c));
        }
    }
}
