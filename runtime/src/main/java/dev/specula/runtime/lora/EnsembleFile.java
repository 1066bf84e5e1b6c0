package dev.specula.runtime.lora;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.safetensors.SafetensorsFile;
import dev.specula.runtime.format.safetensors.SafetensorsWriter;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.DoubleStream;

/**
 * Reads and writes a LoRA ensemble as one safetensors file (see docs: format
 * {@code specula-lora-ensemble} version 1): metadata {@code members, rank, lora_alpha, targets,
 * priors, base_*, training.*} and tensors {@code m{k}.blk.{l}.{target}.lora_a [r, in]} and
 * {@code .lora_b [out, r]}.
 */
public final class EnsembleFile {
    public static final String FORMAT = "specula-lora-ensemble";
    public static final String VERSION = "1";
    /** Conventional file name ending. */
    public static final String SUFFIX = ".ensemble.safetensors";
    private static final String TRAINING = "training.";
    /** Priors in the file must sum to 1 within this (they are printed with 17 significant digits). */
    private static final double PRIOR_SUM_TOLERANCE = 1e-6;

    private EnsembleFile() {
    }

    public static String tensorName(int member, int layer, LoraTarget target, boolean b) {
        return "m" + member + ".blk." + layer + "." + target.key() + (b ? ".lora_b" : ".lora_a");
    }

    public static void write(Path file, LoraEnsemble ensemble) {
        ModelConfig c = ensemble.config();
        SafetensorsWriter w = new SafetensorsWriter()
                .metadata("format", FORMAT)
                .metadata("version", VERSION)
                .metadata("members", Integer.toString(ensemble.size()))
                .metadata("rank", Integer.toString(ensemble.rank()))
                .metadata("lora_alpha", Float.toString(ensemble.alpha()))
                .metadata("targets", LoraTarget.join(ensemble.targets()))
                .metadata("priors", DoubleStream.of(ensemble.priors()).mapToObj(Double::toString)
                        .collect(Collectors.joining(",")))
                .metadata("base_model", ensemble.baseModel())
                .metadata("base_dim", Integer.toString(c.dim()))
                .metadata("base_layers", Integer.toString(c.layers()))
                .metadata("base_vocab", Integer.toString(c.vocabSize()));
        ensemble.training().forEach((k, v) -> w.metadata(TRAINING + k, v));
        int r = ensemble.rank();
        for (int k = 0; k < ensemble.size(); k++) {
            LoraAdapter m = ensemble.member(k);
            for (int l = 0; l < c.layers(); l++) {
                for (LoraTarget t : ensemble.targets()) {
                    w.addF32(tensorName(k, l, t, false), m.a(t, l), r, t.in(c));
                    w.addF32(tensorName(k, l, t, true), m.b(t, l), t.out(c), r);
                }
            }
        }
        w.write(file);
    }

    /** Reads an ensemble made for a base model of configuration {@code base}; any mismatch is an error naming the field. */
    public static LoraEnsemble read(Path file, ModelConfig base) {
        try (Arena arena = Arena.ofShared()) {
            SafetensorsFile st = SafetensorsFile.read(file, arena);
            Map<String, Object> meta = st.metadata();
            String format = string(file, meta, "format");
            if (!format.equals(FORMAT)) {
                throw new ModelFormatException(file, "metadata format is '" + format + "', expected '" + FORMAT
                        + "' (a PEFT adapter is a folder with adapter_config.json)");
            }
            String version = string(file, meta, "version");
            if (!version.equals(VERSION)) {
                throw new ModelFormatException(file, "unsupported ensemble version " + version + " (this build reads " + VERSION + ")");
            }
            checkBase(file, meta, "base_dim", base.dim());
            checkBase(file, meta, "base_layers", base.layers());
            checkBase(file, meta, "base_vocab", base.vocabSize());
            int members = positiveInt(file, meta, "members");
            int rank = positiveInt(file, meta, "rank");
            float alpha = positiveFloat(file, meta, "lora_alpha");
            Set<LoraTarget> targets;
            try {
                targets = LoraTarget.parseList(string(file, meta, "targets"));
            } catch (RuntimeException e) {
                throw new ModelFormatException(file, "metadata targets: " + e.getMessage());
            }
            double[] priors = priors(file, string(file, meta, "priors"), members);

            Set<String> expected = new HashSet<>();
            List<LoraAdapter> adapters = new ArrayList<>();
            for (int k = 0; k < members; k++) {
                LoraAdapter adapter = LoraAdapter.zeros(base, rank, alpha, targets);
                for (int l = 0; l < base.layers(); l++) {
                    for (LoraTarget t : targets) {
                        String an = tensorName(k, l, t, false);
                        String bn = tensorName(k, l, t, true);
                        String why = "rank " + rank + " over the base " + t.key() + " projection";
                        float[] a = AdapterTensors.matrix(file, st.tensors(), an, rank, t.in(base), why);
                        float[] b = AdapterTensors.matrix(file, st.tensors(), bn, t.out(base), rank, why);
                        System.arraycopy(a, 0, adapter.a(t, l), 0, a.length);
                        System.arraycopy(b, 0, adapter.b(t, l), 0, b.length);
                        expected.add(an);
                        expected.add(bn);
                    }
                }
                adapters.add(adapter);
            }
            for (String name : st.tensors().keySet()) {
                if (!expected.contains(name)) {
                    throw new ModelFormatException(file, "unexpected tensor " + name + " (members " + members
                            + ", layers " + base.layers() + ", targets " + LoraTarget.join(targets) + ")");
                }
            }
            Map<String, String> training = new LinkedHashMap<>();
            meta.forEach((key, value) -> {
                if (key.startsWith(TRAINING)) {
                    training.put(key.substring(TRAINING.length()), String.valueOf(value));
                }
            });
            Object baseModel = meta.getOrDefault("base_model", "");
            return new LoraEnsemble(adapters, priors, String.valueOf(baseModel), training);
        }
    }

    private static String string(Path file, Map<String, Object> meta, String key) {
        Object v = meta.get(key);
        if (v == null) {
            throw new ModelFormatException(file, "missing metadata field " + key);
        }
        return String.valueOf(v).trim();
    }

    private static int positiveInt(Path file, Map<String, Object> meta, String key) {
        String s = string(file, meta, key);
        try {
            int v = Integer.parseInt(s);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ModelFormatException(file, "metadata field " + key + " must be a positive integer, got '" + s + "'");
    }

    private static float positiveFloat(Path file, Map<String, Object> meta, String key) {
        String s = string(file, meta, key);
        try {
            float v = Float.parseFloat(s);
            if (v > 0 && Float.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ModelFormatException(file, "metadata field " + key + " must be a positive number, got '" + s + "'");
    }

    private static void checkBase(Path file, Map<String, Object> meta, String key, int actual) {
        int stored = positiveInt(file, meta, key);
        if (stored != actual) {
            throw new ModelFormatException(file, "metadata " + key + " is " + stored + " but the base model has " + actual
                    + ": the ensemble was made for a different model");
        }
    }

    private static double[] priors(Path file, String list, int members) {
        String[] parts = list.split(",", -1);
        if (parts.length != members) {
            throw new ModelFormatException(file, "metadata priors has " + parts.length + " values for " + members + " members");
        }
        double[] priors = new double[members];
        double sum = 0;
        for (int k = 0; k < members; k++) {
            try {
                priors[k] = Double.parseDouble(parts[k].trim());
            } catch (NumberFormatException e) {
                priors[k] = Double.NaN;
            }
            if (!(priors[k] > 0) || !Double.isFinite(priors[k])) {
                throw new ModelFormatException(file, "metadata priors: value " + k + " '" + parts[k] + "' is not a positive number");
            }
            sum += priors[k];
        }
        if (Math.abs(sum - 1) > PRIOR_SUM_TOLERANCE) {
            throw new ModelFormatException(file, String.format(Locale.ROOT, "metadata priors sum to %.9f, not 1", sum));
        }
        return priors;
    }
}
