package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.devices.HostMemory;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.engine.EnsembleTransformer;
import dev.specula.runtime.generate.GenerationResult;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.sampling.SamplerConfig;
import dev.specula.runtime.uncertainty.UncertaintySummary;

import java.util.Locale;

/** The statistics lines commands print to stderr. */
final class Stats {
    private Stats() {
    }

    static void printGeneration(Engine engine, GenerationResult r, SamplerConfig sampler) {
        System.err.printf(Locale.ROOT,
                "[%s] prompt %d tokens, %.1f tok/s | generated %d tokens, %.1f tok/s | finish %s | seed %d | threads %d%n",
                engine.model().source().getFileName(), r.promptTokens(), r.promptTokensPerSecond(), r.generatedTokens(),
                r.decodeTokensPerSecond(), r.finishReason().name().toLowerCase(Locale.ROOT), sampler.seed(),
                engine.pool().threads());
        engine.ensemble().ifPresent(e -> System.err.println(ensembleLine(e, r.uncertainty())));
        System.err.println(uncertaintyLine(r.uncertainty()));
        System.err.println(memoryLine(engine));
    }

    static String uncertaintyLine(UncertaintySummary u) {
        String line = String.format(Locale.ROOT, "[uncertainty] members %d | entropy mean %.3f max %.3f nats",
                u.members(), u.totalEntropy().mean(), u.totalEntropy().max());
        if (u.members() == 1) {
            return line;
        }
        return line + String.format(Locale.ROOT,
                " | expected entropy mean %.3f | mutual information mean %.4f max %.4f | disagreement mean %.2f",
                u.expectedEntropy().mean(), u.mutualInformation().mean(), u.mutualInformation().max(),
                u.disagreement().mean());
    }

    static String ensembleLine(EnsembleTransformer e, UncertaintySummary u) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "[ensemble] members %d | rank %d | alpha %s | targets %s | responsibilities", e.members(),
                e.ensemble().rank(), e.ensemble().alpha(), LoraTarget.join(e.ensemble().targets())));
        for (double w : u.responsibilities()) {
            line.append(String.format(Locale.ROOT, " %.3f", w));
        }
        return line.toString();
    }

    /**
     * How much memory the weights, the KV cache and the process take: the file's weights mapped, and what of them the
     * engine copied into a faster layout (anonymous memory held instead of those tensors' file pages).
     */
    static String memoryLine(Engine engine) {
        long copied = engine.copiedWeightBytes();
        String held = copied == 0 ? "mapped" : "mapped, " + ByteSize.format(copied) + " of them copied (interleaved)";
        return String.format(Locale.ROOT, "[memory] weights %s %s | KV cache at most %s | %s",
                ByteSize.format(engine.model().weightBytes()), held,
                ByteSize.format(engine.generationKvCacheBytes()), HostMemory.read());
    }
}
