package dev.specula.runtime.format;

import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.tensor.Tensor;

import java.util.Map;

/**
 * What a format reader gets out of a model file before a tokenizer is attached: the
 * configuration, the tensors under canonical names (checked by {@link TensorLayout}) and the
 * file's own metadata.
 *
 * @param format short format name, as in {@link dev.specula.runtime.model.Model#format()}
 */
public record ParsedModel(String format, ModelConfig config, Map<String, Tensor> tensors, Map<String, Object> metadata) {
}
