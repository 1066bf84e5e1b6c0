package dev.specula.runtime.tokenizer;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * llama.cpp's tokenizer test vectors (tests/test-tokenizer-0.cpp): each .inp holds strings separated
 * by "\n__ggml_vocab_test__\n", each .out line the expected ids, tokenized without BOS/EOS and without
 * parsing special-token text. Every vocabulary must pass all of them.
 */
class TokenizerVocabVectorsTest {
    static final Path VOCAB = Path.of(System.getProperty("specula.shared", "../shared"), "models", "vocab");

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "falcon", "mpt", "starcoder", "refact",
            "deepseek-coder", "deepseek-llm", "bert-bge"})
    void matchesLlamaCppVectors(String name) throws IOException {
        Path gguf = VOCAB.resolve("ggml-vocab-" + name + ".gguf");
        Assumptions.assumeTrue(Files.exists(gguf), "shared vocab files not present");
        Tokenizer tokenizer = TokenizerFactory.fromGguf(gguf, TestGgufMetadata.read(gguf));
        List<String> inputs = inputs(Path.of(gguf + ".inp"));
        List<String> outputs = Files.readAllLines(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
        assertEquals(outputs.size(), inputs.size(), "inputs and outputs differ in count");
        int passed = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            int[] expected = ids(outputs.get(i));
            int[] actual = tokenizer.encode(inputs.get(i));
            if (Arrays.equals(expected, actual)) {
                passed++;
            } else {
                failures.add("  " + escape(inputs.get(i)) + "\n    expected " + Arrays.toString(expected)
                        + "\n    actual   " + Arrays.toString(actual));
            }
        }
        System.out.printf("vocab %-15s %d/%d vectors pass%n", name, passed, inputs.size());
        failures.forEach(System.out::println);
        assertEquals(inputs.size(), passed, name + ": " + failures.size() + " vectors fail");
    }

    /**
     * llama2.c's tokenizer.bin holds the same Llama 2 SentencePiece vocabulary as ggml-vocab-llama-spm,
     * in another format with another loader: it must pass the same vectors.
     */
    @Test
    void llama2cTokenizerBinMatchesTheLlamaSpmVectors() throws IOException {
        Path bin = VOCAB.resolveSibling("llama2-tokenizer").resolve("tokenizer.bin");
        Path gguf = VOCAB.resolve("ggml-vocab-llama-spm.gguf");
        Tokenizer tokenizer = TokenizerFactory.fromLlama2c(bin, 32000);
        List<String> inputs = inputs(Path.of(gguf + ".inp"));
        List<String> outputs = Files.readAllLines(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
        for (int i = 0; i < inputs.size(); i++) {
            assertArrayEquals(ids(outputs.get(i)), tokenizer.encode(inputs.get(i)), escape(inputs.get(i)));
        }
    }

    static List<String> inputs(Path inp) throws IOException {
        String raw = Files.readString(inp, StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> out = new ArrayList<>();
        int pos = 0;
        while (pos < raw.length()) {
            int next = raw.indexOf(sep, pos);
            if (next < 0) {
                out.add(raw.substring(pos));
                break;
            }
            out.add(raw.substring(pos, next));
            pos = next + sep.length();
        }
        return out;
    }

    private static int[] ids(String line) {
        String s = line.strip();
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    private static String escape(String s) {
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }
}
