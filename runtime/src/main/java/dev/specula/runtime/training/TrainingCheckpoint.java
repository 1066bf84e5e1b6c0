package dev.specula.runtime.training;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.format.safetensors.SafetensorsFile;
import dev.specula.runtime.format.safetensors.SafetensorsWriter;
import dev.specula.runtime.lora.EnsembleFile;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * A resumable snapshot of a training run in a folder: the members as an ensemble file whose
 * training metadata records the position in the run, and AdamW's moments in a second
 * safetensors file. Each file is written beside its final name and then moved over it, so an
 * interrupted save leaves the previous checkpoint intact.
 */
public final class TrainingCheckpoint {
    static final String MEMBERS = "members" + EnsembleFile.SUFFIX;
    static final String OPTIMIZER = "optimizer.safetensors";
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TrainingCheckpoint() {
    }

    public static void save(Path dir, EnsembleTrainer trainer) {
        try {
            Files.createDirectories(dir);
            Path members = dir.resolve(MEMBERS + ".tmp");
            EnsembleFile.write(members, trainer.ensemble(Map.of(
                    "resume_epoch", Integer.toString(trainer.epoch()),
                    "resume_batch", Integer.toString(trainer.nextBatch()),
                    "adam_steps", Long.toString(trainer.optimizer().steps()))));
            Path optimizer = dir.resolve(OPTIMIZER + ".tmp");
            SafetensorsWriter w = new SafetensorsWriter();
            List<float[]> first = trainer.optimizer().firstMoments();
            List<float[]> second = trainer.optimizer().secondMoments();
            for (int i = 0; i < first.size(); i++) {
                w.addF32("m." + i, first.get(i), first.get(i).length);
                w.addF32("v." + i, second.get(i), second.get(i).length);
            }
            w.write(optimizer);
            Files.move(members, dir.resolve(MEMBERS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(optimizer, dir.resolve(OPTIMIZER), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new SpeculaException(dir + ": cannot write checkpoint: " + e.getMessage());
        }
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(MEMBERS)) && Files.isRegularFile(dir.resolve(OPTIMIZER));
    }

    /** Restores members, optimizer moments and run position into a trainer built with the same options. */
    public static void restore(Path dir, EnsembleTrainer trainer) {
        if (!exists(dir)) {
            throw new SpeculaException(dir + ": no checkpoint (expected " + MEMBERS + " and " + OPTIMIZER + ")");
        }
        Path membersFile = dir.resolve(MEMBERS);
        TrainingOptions options = trainer.options();
        LoraEnsemble saved = EnsembleFile.read(membersFile, trainer.member(0).adapter().config());
        mustMatch(membersFile, "members", saved.size(), options.members());
        mustMatch(membersFile, "rank", saved.rank(), options.rank());
        mustMatch(membersFile, "targets", LoraTarget.join(saved.targets()), LoraTarget.join(options.targets()));
        mustMatch(membersFile, "alpha_renyi", saved.training().get("alpha_renyi"), Double.toString(options.alpha()));
        for (int k = 0; k < saved.size(); k++) {
            List<float[]> into = trainer.member(k).parameters();
            List<float[]> from = new TrainableAdapter(saved.member(k)).parameters();
            for (int i = 0; i < into.size(); i++) {
                System.arraycopy(from.get(i), 0, into.get(i), 0, into.get(i).length);
            }
        }
        Path optimizerFile = dir.resolve(OPTIMIZER);
        AdamW optimizer = trainer.optimizer();
        try (Arena arena = Arena.ofShared()) {
            Map<String, Tensor> tensors = SafetensorsFile.read(optimizerFile, arena).tensors();
            copy(optimizerFile, tensors, "m.", optimizer.firstMoments());
            copy(optimizerFile, tensors, "v.", optimizer.secondMoments());
        }
        try {
            optimizer.restoreSteps(Long.parseLong(saved.training().get("adam_steps")));
            trainer.resumeAt(Integer.parseInt(saved.training().get("resume_epoch")),
                    Integer.parseInt(saved.training().get("resume_batch")));
        } catch (RuntimeException e) {
            throw new SpeculaException(membersFile + ": training metadata lacks a valid resume position: " + e.getMessage());
        }
    }

    private static void mustMatch(Path file, String field, Object saved, Object requested) {
        if (!String.valueOf(saved).equals(String.valueOf(requested))) {
            throw new SpeculaException(file + ": checkpoint " + field + " is " + saved + " but this run asks for "
                    + requested + " (resume with the same settings)");
        }
    }

    private static void copy(Path file, Map<String, Tensor> tensors, String prefix, List<float[]> into) {
        for (int i = 0; i < into.size(); i++) {
            Tensor t = tensors.get(prefix + i);
            float[] dst = into.get(i);
            if (t == null || t.elementCount() != dst.length) {
                throw new SpeculaException(file + ": tensor " + prefix + i + " is missing or does not hold "
                        + dst.length + " values");
            }
            MemorySegment.copy(t.data(), FLOAT_LE, 0, dst, 0, dst.length);
        }
    }
}
