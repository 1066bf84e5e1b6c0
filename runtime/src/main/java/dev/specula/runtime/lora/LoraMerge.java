package dev.specula.runtime.lora;

import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Folds an adapter into its base: each target weight becomes the F32 matrix {@code W + scale * B A}.
 * The merged model shares every other tensor with the base (close the base, not the merged view).
 * Merging costs memory per target; it is the reference the unmerged path is checked against and
 * a way to export a single member.
 */
public final class LoraMerge {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private LoraMerge() {
    }

    public static Model merge(Model base, LoraAdapter adapter) {
        ModelConfig c = base.config();
        Map<String, Tensor> tensors = new LinkedHashMap<>(base.tensors());
        for (LoraTarget t : adapter.targets()) {
            for (int l = 0; l < c.layers(); l++) {
                String name = t.baseTensor(l);
                Tensor w = base.tensor(name);
                tensors.put(name, merged(w, adapter.a(t, l), adapter.b(t, l), adapter.rank(), adapter.scale()));
            }
        }
        return new Model(base.source(), base.format(), c, tensors, base.tokenizer(), base.metadata(), null);
    }

    private static Tensor merged(Tensor w, float[] a, float[] b, int rank, float scale) {
        Weights weights = WeightsFactory.of(w);
        int rows = weights.rows();
        int cols = weights.cols();
        byte[] bytes = new byte[Math.multiplyExact(rows * cols, Float.BYTES)];
        MemorySegment out = MemorySegment.ofArray(bytes);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            weights.row(r, row, 0);
            for (int j = 0; j < rank; j++) {
                float coefficient = scale * b[r * rank + j];
                for (int col = 0; col < cols; col++) {
                    row[col] += coefficient * a[j * cols + col];
                }
            }
            for (int col = 0; col < cols; col++) {
                out.setAtIndex(LE_FLOAT, (long) r * cols + col, row[col]);
            }
        }
        return new Tensor(w.name(), GgmlType.F32, new long[]{cols, rows}, out);
    }
}
