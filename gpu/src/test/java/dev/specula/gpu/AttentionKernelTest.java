package dev.specula.gpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AttentionKernelTest {

    /** Fills positions 0..len-1 of layer {@code layer} with random k/v and returns them. */
    private static float[][] fill(GpuKvCache cache, int layer, int len, Random r) {
        float[] k = Ref.random(r, len * cache.kvDim());
        float[] v = Ref.random(r, len * cache.kvDim());
        cache.store(layer, k, v, len, 0);
        return new float[][] {k, v};
    }

    @ParameterizedTest(name = "heads {0} kv {1} hd {2} len {3}")
    @CsvSource({
            "4, 4, 16, 1", "4, 4, 16, 7", "4, 4, 16, 300", // MHA
            "8, 2, 32, 1", "8, 2, 32, 7", "8, 2, 32, 300", // GQA
            "6, 1, 64, 1", "6, 1, 64, 7", "6, 1, 64, 300", // MQA
            "2, 1, 128, 77", "3, 3, 6, 65"})
    void decodeMatchesReference(int heads, int kvHeads, int hd, int len) {
        Random r = new Random(heads * 1000L + kvHeads * 100 + len);
        try (GpuKvCache cache = new GpuKvCache(Pocl.kernels(), 2, heads, kvHeads, hd, 512)) {
            fill(cache, 0, len, r); // layer 0 has other data: layers must not mix
            float[][] kv = fill(cache, 1, len, r);
            float[] q = Ref.random(r, heads * hd);
            float[] expected = Ref.attention(q, kv[0], kv[1], 1, len - 1, heads, kvHeads, hd);
            for (int chunk : new int[] {GpuKernels.DEFAULT_ATTENTION_CHUNK, 1 << 20, 64, 7, 1}) {
                cache.chunkSize(chunk);
                float[] out = new float[heads * hd];
                cache.attend(1, q, 1, len - 1, out);
                Ref.assertClose(expected, out, 1e-4, "chunk " + chunk);
            }
        }
    }

    @Test
    void chunkedEqualsUnsplit() {
        Random r = new Random(99);
        int heads = 8;
        int kvHeads = 2;
        int hd = 64;
        int len = 1000;
        try (GpuKvCache cache = new GpuKvCache(Pocl.kernels(), 1, heads, kvHeads, hd, 1024)) {
            fill(cache, 0, len, r);
            float[] q = Ref.random(r, heads * hd);
            cache.chunkSize(1 << 20);
            float[] unsplit = new float[heads * hd];
            cache.attend(0, q, 1, len - 1, unsplit);
            for (int chunk : new int[] {32, 100, 256, 999}) {
                cache.chunkSize(chunk);
                float[] split = new float[heads * hd];
                cache.attend(0, q, 1, len - 1, split);
                Ref.assertClose(unsplit, split, 1e-5, "chunk " + chunk);
            }
        }
    }

    @Test
    void batchedPrefillIsCausal() {
        Random r = new Random(5);
        int heads = 8;
        int kvHeads = 2;
        int hd = 32;
        int start = 10;
        int batch = 9;
        try (GpuKvCache cache = new GpuKvCache(Pocl.kernels(), 1, heads, kvHeads, hd, 64)) {
            float[] k0 = Ref.random(r, start * cache.kvDim());
            float[] v0 = Ref.random(r, start * cache.kvDim());
            cache.store(0, k0, v0, start, 0);
            // the new tokens' rows are stored first, then attended with the causal mask
            float[] k1 = Ref.random(r, batch * cache.kvDim());
            float[] v1 = Ref.random(r, batch * cache.kvDim());
            cache.store(0, k1, v1, batch, start);
            float[] k = concat(k0, k1);
            float[] v = concat(v0, v1);
            float[] q = Ref.random(r, batch * heads * hd);
            float[] expected = Ref.attention(q, k, v, batch, start, heads, kvHeads, hd);
            for (int chunk : new int[] {256, 4}) {
                cache.chunkSize(chunk);
                float[] out = new float[batch * heads * hd];
                cache.attend(0, q, batch, start, out);
                Ref.assertClose(expected, out, 1e-4, "prefill chunk " + chunk);
            }
        }
    }

    @Test
    void deviceResidentStoreAndAttend() {
        Random r = new Random(6);
        GpuKernels kernels = Pocl.kernels();
        OpenClContext ctx = kernels.context();
        int heads = 4;
        int kvHeads = 2;
        int hd = 16;
        int len = 20;
        try (GpuKvCache cache = new GpuKvCache(kernels, 1, heads, kvHeads, hd, 32)) {
            float[] k = Ref.random(r, len * cache.kvDim());
            float[] v = Ref.random(r, len * cache.kvDim());
            for (int p = 0; p < len; p++) { // one token at a time, as decode does
                try (DeviceBuffer kb = ctx.upload(Arrays.copyOfRange(k, p * cache.kvDim(), (p + 1) * cache.kvDim()));
                     DeviceBuffer vb = ctx.upload(Arrays.copyOfRange(v, p * cache.kvDim(), (p + 1) * cache.kvDim()))) {
                    cache.store(0, kb, vb, 1, p);
                }
            }
            float[] q = Ref.random(r, heads * hd);
            try (DeviceBuffer qb = ctx.upload(q); DeviceBuffer ob = ctx.allocate(4L * heads * hd)) {
                cache.attend(0, qb, 1, len - 1, ob);
                Ref.assertClose(Ref.attention(q, k, v, 1, len - 1, heads, kvHeads, hd), ctx.readFloats(ob, heads * hd),
                        1e-4, "device-resident");
            }
            assertEquals(2L * 32 * cache.kvDim() * 4, cache.bytes());
            assertThrows(IllegalArgumentException.class, () -> cache.store(0, k, v, 2, 31));
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
