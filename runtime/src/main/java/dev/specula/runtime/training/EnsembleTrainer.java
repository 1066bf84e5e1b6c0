package dev.specula.runtime.training;

import dev.specula.runtime.lora.LoraAdapter;
import dev.specula.runtime.lora.LoraEnsemble;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains K LoRA members of one frozen base model jointly under the alpha-Renyi objective
 * ({@link RenyiLoss}): for each example every member's sequence log-likelihood is computed, the
 * routing weights w_k follow, and member k's gradient is its log-likelihood gradient scaled by
 * -w_k, plus the L2 term 2 lambda theta_k. Members share one AdamW and a global gradient clip.
 * Priors are uniform. The data order is a seeded shuffle per epoch, so a run resumed from a
 * checkpoint sees the same batches as an uninterrupted one.
 */
public final class EnsembleTrainer {
    private final FrozenModel base;
    private final TrainingOptions options;
    private final RenyiLoss loss;
    private final TrainableAdapter[] members;
    private final LoraBackprop[] passes;
    private final double[] logPriors;
    private final AdamW optimizer;
    private final List<float[]> parameters = new ArrayList<>();
    private final List<float[]> gradients = new ArrayList<>();
    private int epoch;
    private int nextBatch;

    public EnsembleTrainer(FrozenModel base, TrainingOptions options, int maxTokens) {
        this.base = base;
        this.options = options;
        this.loss = new RenyiLoss(options.alpha());
        int k = options.members();
        members = new TrainableAdapter[k];
        passes = new LoraBackprop[k];
        logPriors = new double[k];
        for (int m = 0; m < k; m++) {
            members[m] = TrainableAdapter.seeded(base.config, options.rank(), options.loraAlpha(), options.targets(),
                    options.seed() + m, options.initBStd());
            passes[m] = new LoraBackprop(base, maxTokens);
            logPriors[m] = -Math.log(k);
            parameters.addAll(members[m].parameters());
            gradients.addAll(members[m].gradients());
        }
        optimizer = AdamW.standard(parameters, 0);
    }

    public TrainingOptions options() {
        return options;
    }

    public TrainableAdapter member(int k) {
        return members[k];
    }

    AdamW optimizer() {
        return optimizer;
    }

    /** Position in the run: the epoch and the index of the next batch in it. */
    public int epoch() {
        return epoch;
    }

    public int nextBatch() {
        return nextBatch;
    }

    void resumeAt(int epoch, int nextBatch) {
        this.epoch = epoch;
        this.nextBatch = nextBatch;
    }

    public static long batchesPerEpoch(int examples, int batch) {
        return (examples + batch - 1) / batch;
    }

    /**
     * Runs the remaining steps of the run over {@code data}, reporting each step to {@code progress}
     * once the trainer's position has moved past it (so a checkpoint taken there resumes after it).
     */
    public void train(List<TrainingExample> data, Consumer<StepReport> progress) {
        long perEpoch = batchesPerEpoch(data.size(), options.batch());
        long total = perEpoch * options.epochs();
        while (epoch < options.epochs()) {
            int[] order = order(data.size(), epoch);
            while (nextBatch < perEpoch) {
                int from = nextBatch * options.batch();
                int to = Math.min(data.size(), from + options.batch());
                List<TrainingExample> batch = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    batch.add(data.get(order[i]));
                }
                StepReport report = step(batch, epoch, epoch * perEpoch + nextBatch + 1, total);
                nextBatch++;
                progress.accept(report);
            }
            epoch++;
            nextBatch = 0;
        }
    }

    private int[] order(int n, int epoch) {
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        SplittableRandom random = new SplittableRandom(options.seed() * 1_000_003L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** One optimizer step over {@code batch}. */
    StepReport step(List<TrainingExample> batch, int epoch, long step, long totalSteps) {
        for (TrainableAdapter m : members) {
            m.zeroGradients();
        }
        int k = members.length;
        double[] logLik = new double[k];
        double[] weights = new double[k];
        double lossSum = 0;
        double entropySum = 0;
        long tokens = 0;
        for (TrainingExample example : batch) {
            // Members are independent until the routing weights: one member per thread (the matrices of
            // small models are too narrow to split well, and nested parallel loops run inline).
            base.pool.parallelFor(k, (from, to) -> {
                for (int m = from; m < to; m++) {
                    logLik[m] = passes[m].forward(members[m].adapter(), example);
                }
            });
            lossSum += loss.evaluate(logLik, logPriors, weights);
            entropySum += RenyiLoss.entropy(weights);
            tokens += example.targets();
            // d(mean loss)/d theta_k = -w_k / B * d l_k / d theta_k.
            base.pool.parallelFor(k, (from, to) -> {
                for (int m = from; m < to; m++) {
                    passes[m].backward(members[m], (float) (-weights[m] / batch.size()));
                }
            });
        }
        addL2();
        double norm = AdamW.clipGlobalNorm(gradients, options.clip());
        optimizer.step(gradients, options.schedule().rate(options.lr(), step, totalSteps));
        return new StepReport(epoch, step, totalSteps, lossSum / tokens, entropySum / batch.size(), norm, tokens);
    }

    private void addL2() {
        double twoLambda = 2 * options.lambda();
        if (twoLambda == 0) {
            return;
        }
        for (int i = 0; i < parameters.size(); i++) {
            float[] p = parameters.get(i);
            float[] g = gradients.get(i);
            for (int j = 0; j < p.length; j++) {
                g[j] += (float) (twoLambda * p[j]);
            }
        }
    }

    /** The members as an ensemble with uniform priors and the run's settings as training metadata. */
    public LoraEnsemble ensemble(Map<String, String> extraMetadata) {
        List<LoraAdapter> adapters = new ArrayList<>();
        for (TrainableAdapter m : members) {
            adapters.add(m.adapter());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("alpha_renyi", Double.toString(options.alpha()));
        meta.put("epochs", Integer.toString(options.epochs()));
        meta.put("lr", Double.toString(options.lr()));
        meta.put("lr_schedule", options.schedule().label());
        meta.put("batch", Integer.toString(options.batch()));
        meta.put("seed", Long.toString(options.seed()));
        meta.put("lambda", Double.toString(options.lambda()));
        meta.putAll(extraMetadata);
        double[] priors = new double[members.length];
        Arrays.fill(priors, 1.0);
        return new LoraEnsemble(adapters, priors, base.source(), meta);
    }
}
