package dev.specula.offload;

import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Builds one layer's neuron bundles (see {@link FlashLayout}) from a dense model's tensors. */
final class BundleCodec {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private BundleCodec() {
    }

    /** Writes layer {@code layer}'s {@code hidden} bundles of {@code stride} bytes into {@code dst} (zero-filled). */
    static void encode(Model model, int layer, GgmlType downType, long stride, MemorySegment dst) {
        ModelConfig c = model.config();
        Tensor gate = model.tensor(TensorNames.ffnGate(layer));
        Tensor up = model.tensor(TensorNames.ffnUp(layer));
        Tensor down = model.tensor(TensorNames.ffnDown(layer));
        long rowBytes = gate.rowBytes();
        int hidden = c.hiddenDim();
        int dim = c.dim();
        for (int i = 0; i < hidden; i++) {
            long at = i * stride;
            MemorySegment.copy(gate.data(), i * rowBytes, dst, at, rowBytes);
            MemorySegment.copy(up.data(), i * rowBytes, dst, at + rowBytes, rowBytes);
        }
        long downAt = 2 * rowBytes;
        if (down.type() == downType) {
            // Same element type: element i of each down row is copied bit for bit.
            long e = down.type().bytesFor(1);
            for (int r = 0; r < dim; r++) {
                for (int i = 0; i < hidden; i++) {
                    MemorySegment.copy(down.data(), ((long) r * hidden + i) * e, dst, i * stride + downAt + r * e, e);
                }
            }
        } else {
            Weights w = WeightsFactory.of(down);
            float[] row = new float[hidden];
            for (int r = 0; r < dim; r++) {
                w.row(r, row, 0);
                for (int i = 0; i < hidden; i++) {
                    dst.set(F32, i * stride + downAt + (long) r * Float.BYTES, row[i]);
                }
            }
        }
    }
}
