package dev.specula.runtime.training;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.json.Json;
import dev.specula.runtime.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads training examples. A {@code .txt} file is tokenized whole and cut into consecutive windows
 * of {@code seqLen} tokens (each starting with BOS when the vocabulary uses one), every next token
 * scored. A {@code .jsonl} file holds one object per line: {@code {"prompt": ..., "completion": ...}}
 * scores only the completion's tokens, {@code {"text": ...}} scores all of them; longer examples
 * are cut to {@code seqLen} tokens.
 */
public final class TrainingData {
    private TrainingData() {
    }

    public static List<TrainingExample> load(Path file, Tokenizer tokenizer, int seqLen) {
        if (seqLen < 2) {
            throw new SpeculaException("invalid --seq-len " + seqLen + ": must be at least 2");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String text = read(file);
        List<TrainingExample> examples;
        if (name.endsWith(".jsonl")) {
            examples = jsonLines(file, text, tokenizer, seqLen);
        } else if (name.endsWith(".txt")) {
            examples = windows(text, tokenizer, seqLen);
        } else {
            throw new SpeculaException(file + ": unknown data format: expected a .txt or .jsonl file");
        }
        if (examples.isEmpty()) {
            throw new SpeculaException(file + ": no training example of at least 2 tokens");
        }
        return examples;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SpeculaException(file + ": no such data file");
        } catch (MalformedInputException e) {
            throw new SpeculaException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new SpeculaException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static boolean bos(Tokenizer tokenizer) {
        return tokenizer.addBos() && tokenizer.bos() >= 0;
    }

    static List<TrainingExample> windows(String text, Tokenizer tokenizer, int seqLen) {
        int[] tokens = tokenizer.encode(text);
        boolean bos = bos(tokenizer);
        int perWindow = bos ? seqLen - 1 : seqLen;
        List<TrainingExample> out = new ArrayList<>();
        for (int from = 0; from < tokens.length; from += perWindow) {
            int n = Math.min(perWindow, tokens.length - from);
            int[] window = new int[n + (bos ? 1 : 0)];
            if (bos) {
                window[0] = tokenizer.bos();
            }
            System.arraycopy(tokens, from, window, bos ? 1 : 0, n);
            if (window.length >= 2) {
                out.add(new TrainingExample(window, 1));
            }
        }
        return out;
    }

    private static List<TrainingExample> jsonLines(Path file, String text, Tokenizer tokenizer, int seqLen) {
        List<TrainingExample> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + ":" + (i + 1);
            Map<String, Object> object;
            try {
                object = Json.parseObject(line);
            } catch (RuntimeException e) {
                throw new SpeculaException(where + ": not a JSON object: " + e.getMessage());
            }
            TrainingExample example = object.containsKey("text")
                    ? fromText(string(object, "text", where), tokenizer, seqLen)
                    : fromPrompt(string(object, "prompt", where), string(object, "completion", where), tokenizer,
                    seqLen, where);
            if (example != null) {
                out.add(example);
            }
        }
        return out;
    }

    private static String string(Map<String, Object> object, String key, String where) {
        Object value = object.get(key);
        if (value == null) {
            throw new SpeculaException(where + ": missing \"" + key + "\" (expected {\"text\"} or {\"prompt\", \"completion\"})");
        }
        if (!(value instanceof String s)) {
            throw new SpeculaException(where + ": \"" + key + "\" must be a string");
        }
        return s;
    }

    private static int[] withBos(int[] tokens, Tokenizer tokenizer, int seqLen) {
        boolean bos = bos(tokenizer);
        int n = Math.min(tokens.length, bos ? seqLen - 1 : seqLen);
        int[] out = new int[n + (bos ? 1 : 0)];
        if (bos) {
            out[0] = tokenizer.bos();
        }
        System.arraycopy(tokens, 0, out, bos ? 1 : 0, n);
        return out;
    }

    private static TrainingExample fromText(String text, Tokenizer tokenizer, int seqLen) {
        int[] tokens = withBos(tokenizer.encode(text), tokenizer, seqLen);
        return tokens.length < 2 ? null : new TrainingExample(tokens, 1);
    }

    /**
     * Tokenizes prompt and completion together (tokenizers merge across the boundary) and scores the
     * tokens after the longest prefix shared with the prompt tokenized alone.
     */
    static TrainingExample fromPrompt(String prompt, String completion, Tokenizer tokenizer, int seqLen,
                                              String where) {
        int[] all = withBos(tokenizer.encode(prompt + completion), tokenizer, seqLen);
        int[] promptOnly = withBos(tokenizer.encode(prompt), tokenizer, seqLen);
        int shared = Arrays.mismatch(all, promptOnly);
        int firstTarget = Math.max(1, shared < 0 ? all.length : shared);
        if (firstTarget >= all.length) {
            throw new SpeculaException(where + ": the completion adds no token within --seq-len " + seqLen);
        }
        return new TrainingExample(all, firstTarget);
    }
}
