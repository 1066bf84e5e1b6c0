package dev.specula.runtime.synth;

import dev.specula.runtime.SpeculaException;
import java.util.Arrays;
import java.util.Locale;

/** The hyper-parameters of a synthetic Llama model; the named shapes mirror real models' sizes. */
public record SynthShape(String name, int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int context) {

    /** Byte tokens, three specials and at least one normal piece. */
    public static final int MIN_VOCAB = 3 + 256 + 1;

    private static final SynthShape[] NAMED = {
            new SynthShape("small", 512, 8, 8, 8, 1376, 32000, 2048),
            new SynthShape("tinyllama-1.1b", 2048, 22, 32, 4, 5632, 32000, 2048),
            new SynthShape("llama-7b", 4096, 32, 32, 32, 11008, 32000, 2048),
    };

    public static SynthShape named(String name) {
        for (SynthShape s : NAMED) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        throw new SpeculaException("unknown shape '" + name + "' (known: " + String.join(", ", names()) + ")");
    }

    public static String[] names() {
        return Arrays.stream(NAMED).map(SynthShape::name).toArray(String[]::new);
    }

    public int headDim() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    /**
     * Checks the shape is a valid Llama model whose matrices {@code quant} can encode
     * (quantized rows are whole blocks of 32 values).
     */
    public SynthShape validate(SynthQuant quant) {
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kv-heads", kvHeads);
        positive("ffn", ffn);
        positive("context", context);
        if (dim % heads != 0 || headDim() % 2 != 0) {
            throw new SpeculaException(String.format(Locale.ROOT,
                    "shape %s: dim %d must split into %d heads of an even size", name, dim, heads));
        }
        if (heads % kvHeads != 0) {
            throw new SpeculaException(String.format(Locale.ROOT,
                    "shape %s: heads %d must be a multiple of kv-heads %d", name, heads, kvHeads));
        }
        if (vocab < MIN_VOCAB) {
            throw new SpeculaException("shape " + name + ": vocab must be at least " + MIN_VOCAB
                    + " (3 specials, 256 byte tokens, 1 piece), got " + vocab);
        }
        int block = quant.block();
        if (dim % block != 0 || ffn % block != 0) {
            throw new SpeculaException(String.format(Locale.ROOT,
                    "shape %s: %s needs dim (%d) and ffn (%d) to be multiples of %d", name, quant, dim, ffn, block));
        }
        return this;
    }

    private void positive(String field, int value) {
        if (value <= 0) {
            throw new SpeculaException("shape " + name + ": " + field + " must be positive, got " + value);
        }
    }
}
