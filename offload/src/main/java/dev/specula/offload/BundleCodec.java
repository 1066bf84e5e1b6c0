package dev.specula.offload;

import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.RowEncoder;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/** Builds one layer's neuron bundles (see {@link FlashLayout}) from a dense model's tensors. */
final class BundleCodec {
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
        if (down.type() == downType && downType.blockSize() == 1) {
            // Same element type: element i of each down row is copied bit for bit.
            long e = down.type().bytesFor(1);
            for (int r = 0; r < dim; r++) {
                for (int i = 0; i < hidden; i++) {
                    MemorySegment.copy(down.data(), ((long) r * hidden + i) * e, dst, i * stride + downAt + r * e, e);
                }
            }
            return;
        }
        // Otherwise through floats: the matrix transposed so each column is contiguous, then each
        // column encoded (exactly as F32, or requantized along the column for a block type).
        Weights w = WeightsFactory.of(down);
        float[] columns = new float[hidden * dim];
        float[] row = new float[hidden];
        for (int r = 0; r < dim; r++) {
            w.row(r, row, 0);
            for (int i = 0; i < hidden; i++) {
                columns[i * dim + r] = row[i];
            }
        }
        for (int i = 0; i < hidden; i++) {
            RowEncoder.encode(downType, columns, i * dim, dim, dst, i * stride + downAt);
        }
    }
}
