package dev.specula.runtime.engine;

import dev.specula.runtime.generate.GeneratedToken;
import dev.specula.runtime.generate.GenerationRequest;
import dev.specula.runtime.generate.GenerationResult;
import dev.specula.runtime.generate.TokenListener;
import dev.specula.runtime.lora.LoraAdapter;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.sampling.SamplerConfig;
import dev.specula.runtime.uncertainty.TokenUncertainty;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generation through an ensemble: sampling from the mixture, and uncertainty consistent with the members. */
class EnsembleGenerationTest {

    private record Run(String text, List<TokenUncertainty> tokens, GenerationResult result) {
    }

    private static Run generate(LoraEnsemble ensemble) {
        Model model = SharedModels.load("stories260K.bin", true);
        try (Engine engine = Engine.cpu(model, 2, 64).withEnsemble(ensemble)) {
            List<TokenUncertainty> tokens = new ArrayList<>();
            GenerationResult r = engine.generator().generate(
                    new GenerationRequest("Once upon a time", 16, SamplerConfig.GREEDY, List.of()),
                    new TokenListener() {
                        @Override
                        public boolean onToken(int token, String text) {
                            return true;
                        }

                        @Override
                        public boolean onToken(GeneratedToken token) {
                            if (token.uncertainty() != null) {
                                tokens.add(token.uncertainty());
                            }
                            return true;
                        }
                    });
            return new Run(r.text(), tokens, r);
        }
    }

    private static List<LoraAdapter> adapters(int count, long seed) {
        Model model = SharedModels.load("stories260K.bin", false);
        try (model) {
            Random random = new Random(seed);
            List<LoraAdapter> list = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                list.add(LoraAdapter.random(model.config(), 4, 4, EnumSet.of(LoraTarget.Q, LoraTarget.V, LoraTarget.UP),
                        random, 0.2, 0.2));
            }
            return list;
        }
    }

    @Test
    void copiesOfOneMemberGenerateWhatThatMemberGeneratesWithNoMutualInformation() {
        LoraAdapter member = adapters(1, 3).getFirst();
        Run alone = generate(LoraEnsemble.uniform(List.of(member), "stories260K.bin"));
        Run copies = generate(LoraEnsemble.uniform(List.of(member, member, member), "stories260K.bin"));
        assertEquals(alone.text(), copies.text());
        assertEquals(alone.tokens().size(), copies.tokens().size());
        for (int i = 0; i < alone.tokens().size(); i++) {
            assertEquals(alone.tokens().get(i).totalEntropy(), copies.tokens().get(i).totalEntropy(), 1e-4);
            assertEquals(0, copies.tokens().get(i).mutualInformation(), 1e-5);
            assertEquals(0, copies.tokens().get(i).disagreement());
        }
        double[] responsibilities = copies.result().uncertainty().responsibilities();
        assertEquals(1.0 / 3, responsibilities[0], 1e-9);
    }

    @Test
    void chosenTokenProbabilityIsTheMixtureOfTheMembersProbabilities() {
        List<LoraAdapter> members = adapters(3, 8);
        double[] priors = {0.5, 0.3, 0.2};
        Run run = generate(new LoraEnsemble(members, priors, "stories260K.bin", Map.of()));
        double mutualInformation = 0;
        for (TokenUncertainty u : run.tokens()) {
            double mixture = 0;
            for (int k = 0; k < 3; k++) {
                mixture += priors[k] * u.memberProbabilities()[k];
            }
            assertEquals(Math.log(mixture), u.logprob(), 1e-4);
            mutualInformation += u.mutualInformation();
        }
        assertTrue(mutualInformation > 0, "distinct members must disagree somewhere");
        double sum = 0;
        for (double w : run.result().uncertainty().responsibilities()) {
            sum += w;
        }
        assertEquals(1, sum, 1e-12);
    }
}
