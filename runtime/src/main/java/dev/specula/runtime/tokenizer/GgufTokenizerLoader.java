package dev.specula.runtime.tokenizer;

import dev.specula.runtime.format.ModelFormatException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Builds a tokenizer from GGUF {@code tokenizer.ggml.*} metadata, with llama.cpp's defaults for keys a
 * file leaves out. Metadata values are as the GGUF reader gives them: integers as {@code Long},
 * string arrays as {@code String[]}, float32 arrays as {@code float[]}, integer arrays as {@code long[]}.
 */
final class GgufTokenizerLoader {
    private static final String PREFIX = "tokenizer.ggml.";

    private final Path file;
    private final Map<String, Object> metadata;

    private GgufTokenizerLoader(Path file, Map<String, Object> metadata) {
        this.file = file;
        this.metadata = metadata;
    }

    static Tokenizer load(Path file, Map<String, Object> metadata) {
        return new GgufTokenizerLoader(file, metadata).load();
    }

    private Tokenizer load() {
        String model = required("model", String.class);
        return switch (model) {
            case "llama" -> sentencePiece();
            case "gpt2" -> bytePair();
            case "bert" -> wordPiece();
            default -> throw error("model", "unsupported tokenizer model '" + model + "' (supported: llama, gpt2, bert)");
        };
    }

    private Tokenizer sentencePiece() {
        String[] tokens = required("tokens", String[].class);
        float[] scores = scores(tokens.length);
        Vocabulary vocab = vocabulary(tokens, scores, 1, 2, 0);
        boolean addSpacePrefix = flag("add_space_prefix", true);
        boolean addBos = flag("add_bos_token", true);
        if (!hasPlaceholderScores(vocab)) {
            return new SentencePieceTokenizer(vocab, addSpacePrefix, addBos);
        }
        // Scores all equal carry no merge order: this is a BPE vocabulary in disguise (see BpeMerges).
        List<Integer> normal = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            if (vocab.type(id) == TokenType.NORMAL) {
                normal.add(id);
            }
        }
        UnaryOperator<String> escape = text -> {
            String escaped = text.replace(' ', SentencePieceTokenizer.SPACE_MARK);
            return addSpacePrefix && !text.isEmpty() ? SentencePieceTokenizer.SPACE_MARK + escaped : escaped;
        };
        return new BytePairTokenizer(vocab, BpeMerges.fromMergeOrder(vocab, normal), escape, PreTokenizer.NONE,
                new BytePairTokenizer.Options(false, true, true, addSpacePrefix), addBos);
    }

    private static boolean hasPlaceholderScores(Vocabulary vocab) {
        Float first = null;
        boolean multiCharacter = false;
        for (int id = 0; id < vocab.size(); id++) {
            if (vocab.type(id) != TokenType.NORMAL) {
                continue;
            }
            float s = vocab.score(id);
            if (first != null && s != first) {
                return false;
            }
            first = s;
            String piece = vocab.piece(id);
            multiCharacter |= piece.codePointCount(0, piece.length()) > 1;
        }
        return multiCharacter;
    }

    private Tokenizer bytePair() {
        String[] tokens = required("tokens", String[].class);
        String[] mergeRules = required("merges", String[].class);
        String pre = optional("pre", String.class, "default");
        PreTokenizer preTokenizer = PreTokenizers.forGguf(pre);
        if (preTokenizer == null) {
            throw error("pre", "unsupported pre-tokenizer '" + pre + "'");
        }
        Vocabulary vocab = vocabulary(tokens, null, 11, 11, -1);
        BpeMerges merges = new BpeMerges();
        for (int rank = 0; rank < mergeRules.length; rank++) {
            String rule = mergeRules[rank];
            int space = rule.indexOf(' ', 1);
            if (space < 0) {
                throw error("merges", "rule " + rank + " '" + rule + "' has no space between its two pieces");
            }
            merges.add(vocab, rule.substring(0, space), rule.substring(space + 1), rank);
        }
        return new BytePairTokenizer(vocab, merges, UnaryOperator.identity(), preTokenizer,
                new BytePairTokenizer.Options(true, false, false, false), flag("add_bos_token", false));
    }

    private Tokenizer wordPiece() {
        String[] tokens = required("tokens", String[].class);
        Vocabulary vocab = vocabulary(tokens, null, 101, 102, 100);
        return new WordPieceTokenizer(vocab, flag("add_bos_token", true));
    }

    private Vocabulary vocabulary(String[] tokens, float[] scores, int defaultBos, int defaultEos, int defaultUnk) {
        TokenType[] types = new TokenType[tokens.length];
        long[] codes = optional("token_type", long[].class, null);
        if (codes != null && codes.length < tokens.length) {
            throw error("token_type", codes.length + " entries for " + tokens.length + " tokens");
        }
        for (int i = 0; i < tokens.length; i++) {
            types[i] = codes == null ? TokenType.NORMAL : TokenType.fromGgufCode(codes[i]);
        }
        return new Vocabulary(tokens, types, scores, id("bos_token_id", defaultBos), id("eos_token_id", defaultEos),
                id("unknown_token_id", defaultUnk));
    }

    private float[] scores(int n) {
        Object value = metadata.get(PREFIX + "scores");
        float[] scores;
        if (value == null) {
            return null;
        } else if (value instanceof float[] f) {
            scores = f;
        } else if (value instanceof long[] l) {
            scores = new float[l.length];
            for (int i = 0; i < l.length; i++) {
                scores[i] = l[i];
            }
        } else {
            throw error("scores", "expected an array of float32, found " + describe(value));
        }
        if (scores.length < n) {
            throw error("scores", scores.length + " entries for " + n + " tokens");
        }
        return scores;
    }

    private int id(String key, int fallback) {
        Long value = optional(key, Long.class, null);
        // llama.cpp writes -1 as uint32 0xFFFFFFFF for "none"; anything out of range means none too.
        return value == null ? fallback : value >= 0 && value < Integer.MAX_VALUE ? value.intValue() : -1;
    }

    private boolean flag(String key, boolean fallback) {
        return optional(key, Boolean.class, fallback);
    }

    private <T> T required(String key, Class<T> type) {
        T value = optional(key, type, null);
        if (value == null) {
            throw error(key, "missing");
        }
        return value;
    }

    private <T> T optional(String key, Class<T> type, T fallback) {
        Object value = metadata.get(PREFIX + key);
        if (value == null) {
            return fallback;
        }
        if (!type.isInstance(value)) {
            throw error(key, "expected " + type.getSimpleName() + ", found " + describe(value));
        }
        return type.cast(value);
    }

    private static String describe(Object value) {
        return value.getClass().getSimpleName();
    }

    private ModelFormatException error(String key, String message) {
        return new ModelFormatException(file, "metadata key '" + PREFIX + key + "': " + message);
    }
}
