package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;

/**
 * Quantized weights in {@link InterleavedWeights}' layout, multiplied on 16-bit integers against activations quantized
 * to 8 bits per block of 32 ({@link Int8Activations}): each thread quantizes a product's activations once, on its
 * first row range of that product, and every matrix multiplying the same activations reuses them.
 */
abstract sealed class InterleavedInt8Weights extends InterleavedWeights<Int8Activations>
        permits InterleavedQ4_0Weights, InterleavedQ4_KWeights, InterleavedQ6_KWeights, InterleavedQ8_0Weights {

    /** See {@link InterleavedWeights#InterleavedWeights(Tensor, int, long)}. */
    InterleavedInt8Weights(Tensor tensor, int group, long groupBytes) {
        super(tensor, group, groupBytes);
    }

    /** See {@link InterleavedWeights#InterleavedWeights(Tensor, int, long, boolean)}. */
    InterleavedInt8Weights(Tensor tensor, int group, long groupBytes, boolean onHeap) {
        super(tensor, group, groupBytes, onHeap);
    }

    @Override
    final Int8Activations activations(float[] x, int batch, Object owner, long product) {
        if (owner != null) {
            return Int8Activations.ofProduct(owner, product, x, cols, batch);
        }
        Int8Activations a = Int8Activations.forRows(batch, cols);
        for (int b = 0; b < batch; b++) {
            a.quantize(x, b * cols, b);
        }
        return a;
    }
}
