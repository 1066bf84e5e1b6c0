package dev.specula.runtime.format;

import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;

import java.nio.file.Path;

/** Builds a {@link ModelConfig} from values read out of a file, reporting bad values as file errors. */
public final class ModelConfigs {
    private ModelConfigs() {
    }

    public static ModelConfig of(Path file, int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
                                 int contextLength, float rmsNormEps, float ropeTheta, RopeStyle ropeStyle) {
        try {
            return new ModelConfig(dim, hiddenDim, layers, heads, kvHeads, vocabSize, contextLength, rmsNormEps,
                    ropeTheta, ropeStyle);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "invalid model hyper-parameters: " + e.getMessage());
        }
    }
}
