package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Writes a GGUF Llama model with random weights at a real model's size, for benchmarks. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a llama.cpp-compatible GGUF Llama model with seeded random weights and a synthetic "
                + "vocabulary (for benchmarks at real sizes).")
public final class SynthCommand implements Callable<Integer> {

    @Option(names = "--shape", defaultValue = "small",
            description = "Base shape: small, tinyllama-1.1b, llama-7b. Default: ${DEFAULT-VALUE}.")
    String shape;

    @Option(names = "--quant", required = true, paramLabel = "f32|f16|bf16|q8_0|q4_0|q4_1|q5_0|q5_1|q2_k|q3_k|q4_k|q5_k|q6_k|iq4_nl|iq4_xs|q4_k_m|q5_k_m", description = "Weight type of the matrices.")
    String quant;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.gguf", description = "Output file.")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed; the same seed writes the same bytes. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--force", description = "Overwrite FILE if it exists.")
    boolean force;

    @Option(names = "--dim", description = "Override the embedding width.")
    Integer dim;

    @Option(names = "--layers", description = "Override the number of blocks.")
    Integer layers;

    @Option(names = "--heads", description = "Override the attention heads.")
    Integer heads;

    @Option(names = "--kv-heads", description = "Override the key/value heads (grouped-query attention).")
    Integer kvHeads;

    @Option(names = "--ffn", description = "Override the feed-forward width.")
    Integer ffn;

    @Option(names = "--vocab", description = "Override the vocabulary size (at least " + SynthShape.MIN_VOCAB + ").")
    Integer vocab;

    @Option(names = "--context", description = "Override the context length.")
    Integer context;

    @Override
    public Integer call() {
        SynthShape s = resolveShape();
        SynthModelWriter writer = new SynthModelWriter(s, SynthQuant.parse(quant), seed);
        System.err.printf(Locale.ROOT, "[synth] %s %s: dim %d, layers %d, heads %d/%d, ffn %d, vocab %d, context %d, "
                        + "seed %d, %s of weights%n", s.name(), quant, s.dim(), s.layers(), s.heads(), s.kvHeads(),
                s.ffn(), s.vocab(), s.context(), seed, ByteSize.format(writer.weightBytes()));
        ProgressBar bar = new ProgressBar(new PrintWriter(System.err, true), "synth");
        long total = writer.weightBytes();
        try {
            writer.write(out, force, done -> bar.update("weights " + ByteSize.format(done), done, total));
        } catch (IOException e) {
            throw new SpeculaException(out + ": cannot write: " + e.getMessage(), e);
        }
        System.out.println(out);
        return 0;
    }

    private SynthShape resolveShape() {
        SynthShape base = SynthShape.named(shape);
        boolean custom = dim != null || layers != null || heads != null || kvHeads != null || ffn != null
                || vocab != null || context != null;
        int h = or(heads, base.heads());
        // A new head count without --kv-heads keeps the base's grouping only if it still divides.
        int kv = kvHeads != null ? kvHeads : heads != null && base.kvHeads() == base.heads() ? h : base.kvHeads();
        return new SynthShape(custom ? base.name() + "-custom" : base.name(), or(dim, base.dim()),
                or(layers, base.layers()), h, kv, or(ffn, base.ffn()), or(vocab, base.vocab()),
                or(context, base.context()));
    }

    private static int or(Integer value, int fallback) {
        return value != null ? value : fallback;
    }
}
