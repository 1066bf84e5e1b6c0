package dev.specula.runtime.bench;

import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.Tensor;

/**
 * What one token costs a model: the weight bytes a decode step reads (every matrix once, one row
 * of the embedding) and its FLOPs (two per matrix element, attention left out as it depends on
 * the position and is small next to the matrices at short contexts).
 */
public record ModelCost(long weightBytesPerToken, double flopsPerToken) {

    public static ModelCost of(Model model) {
        Tensor embedding = model.tensor(TensorNames.TOKEN_EMBEDDING);
        long bytes = embedding.rowBytes();
        double elements = 0;
        for (Tensor t : model.tensors().values()) {
            if (t != embedding && t.dims().length >= 2) {
                bytes += t.byteSize();
                elements += t.elementCount();
            } else if (t != embedding) {
                bytes += t.byteSize(); // norms: read every token too
            }
        }
        if (model.outputHead() == embedding) {
            bytes += embedding.byteSize(); // tied head: the whole embedding is a matrix again
            elements += embedding.elementCount();
        }
        return new ModelCost(bytes, 2 * elements);
    }
}
