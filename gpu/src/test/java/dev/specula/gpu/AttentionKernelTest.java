package dev.specula.gpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;

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
            for (int chunk : new int[] {0, 256, 1 << 20, 64, 7, 1}) {
                cache.chunkSize(chunk);
                float[] out = new float[heads * hd];
                cache.attend(1, q, 1, len - 1, out);
                Ref.assertClose(expected, out, 1e-4, "chunk " + chunk);
            }
        }
    }

    /** Stores that cross the growth from 256 positions to 512 and then to the capacity keep what came before. */
    @Test
    void growsWithTheSequence() {
        Random r = new Random(5);
        int heads = 4;
        int kvHeads = 2;
        int hd = 16;
        int capacity = 700;
        try (GpuKvCache cache = new GpuKvCache(Pocl.kernels(), 2, heads, kvHeads, hd, capacity)) {
            int kvDim = cache.kvDim();
            assertEquals(2L * 2 * 256 * kvDim * 4, cache.bytes());
            float[][] keys = new float[2][capacity * kvDim];
            float[][] values = new float[2][capacity * kvDim];
            int position = 0;
            for (int batch : new int[] {1, 200, 60, 250, 189}) {
                for (int layer = 0; layer < 2; layer++) {
                    float[] k = Ref.random(r, batch * kvDim);
                    float[] v = Ref.random(r, batch * kvDim);
                    System.arraycopy(k, 0, keys[layer], position * kvDim, k.length);
                    System.arraycopy(v, 0, values[layer], position * kvDim, v.length);
                    cache.store(layer, k, v, batch, position);
                }
                position += batch;
            }
            assertEquals(2L * 2 * capacity * kvDim * 4, cache.bytes());
            for (int layer = 0; layer < 2; layer++) {
                float[] q = Ref.random(r, heads * hd);
                float[] expected = Ref.attention(q, keys[layer], values[layer], 1, capacity - 1, heads, kvHeads, hd);
                float[] out = new float[heads * hd];
                cache.attend(layer, q, 1, capacity - 1, out);
                Ref.assertClose(expected, out, 1e-4, "layer " + layer);
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
    void autoChunkSplitsLongContexts() {
        GpuKernels k = Pocl.kernels();
        int wg = k.workGroupSize();
        assertEquals(2 * wg, k.autoChunk(1, 1, 32));
        assertEquals(GpuKernels.MAX_AUTO_CHUNK, k.autoChunk(100_000, 1, 8));
        int c = k.autoChunk(3000, 1, 1);
        assertEquals(0, c % wg);
        Random r = new Random(8);
        try (GpuKvCache cache = GpuKvCache.create(k, new ModelConfig(64, 128, 1, 4, 1, 10, 4096, 1e-5f, 10000f,
                RopeStyle.HALF), 3000)) {
            float[][] kv = fill(cache, 0, 3000, r);
            float[] q = Ref.random(r, 64);
            float[] out = new float[64];
            cache.attend(0, q, 1, 2999, out); // auto: several chunks of at most MAX_AUTO_CHUNK
            Ref.assertClose(Ref.attention(q, kv[0], kv[1], 1, 2999, 4, 1, 16), out, 1e-4, "auto chunk, 3000 positions");
        }
    }

    /** Sanity timing on PoCL (a CPU): decode attention, 32 heads / 8 kv heads, head size 128. */
    @Test
    void throughputSanity() {
        Random r = new Random(10);
        GpuKernels k = Pocl.kernels();
        try (GpuKvCache cache = new GpuKvCache(k, 1, 32, 8, 128, 4096);
             DeviceBuffer q = k.context().upload(Ref.random(r, 32 * 128));
             DeviceBuffer out = k.context().allocate(4L * 32 * 128)) {
            fill(cache, 0, 4096, r);
            for (int len : new int[] {512, 4096}) {
                cache.attend(0, q, 1, len - 1, out);
                k.context().finish();
                int iters = 10;
                long t0 = System.nanoTime();
                for (int i = 0; i < iters; i++) {
                    cache.attend(0, q, 1, len - 1, out);
                }
                k.context().finish();
                double s = (System.nanoTime() - t0) / 1e9 / iters;
                System.out.printf("[gpu] PoCL attention decode 32/8 heads x128, %d positions: %.2f ms, %.2f GB/s of KV%n",
                        len, s * 1e3, 2.0 * len * 8 * 128 * 4 / s / 1e9);
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
            for (int chunk : new int[] {0, 256, 4}) {
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
