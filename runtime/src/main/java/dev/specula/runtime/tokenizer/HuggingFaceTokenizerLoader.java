package dev.specula.runtime.tokenizer;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.json.Json;
import dev.specula.runtime.json.JsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face {@code tokenizer.json} whose model is BPE: vocab, merges (as {@code "a b"} strings
 * or {@code [a, b]} pairs), added tokens, and the normalizer, pre-tokenizer and decoder steps that
 * BPE models use in practice. Anything else is refused with the field that names it.
 */
final class HuggingFaceTokenizerLoader {
    private final Path file;

    private HuggingFaceTokenizerLoader(Path file) {
        this.file = file;
    }

    static Tokenizer load(Path folder) {
        Path file = folder.resolve("tokenizer.json");
        HuggingFaceTokenizerLoader loader = new HuggingFaceTokenizerLoader(file);
        Map<String, Object> json = loader.read(file);
        Path configFile = folder.resolve("tokenizer_config.json");
        Map<String, Object> config = Files.exists(configFile)
                ? new HuggingFaceTokenizerLoader(configFile).read(configFile) : Map.of();
        return loader.build(json, config);
    }

    private Map<String, Object> read(Path path) {
        try {
            return Json.parseObject(Files.readString(path));
        } catch (IOException e) {
            throw new SpeculaException(path + ": cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw new ModelFormatException(path, "malformed JSON: " + e.getMessage());
        }
    }

    private Tokenizer build(Map<String, Object> json, Map<String, Object> config) {
        Map<String, Object> model = object(json, "model", "model");
        String type = string(model, "type", "model.type", "BPE");
        if (!type.equals("BPE")) {
            throw new ModelFormatException(file, "field 'model.type': unsupported model '" + type + "' (only BPE)");
        }
        for (String key : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (model.get(key) instanceof String s && !s.isEmpty()) {
                throw new ModelFormatException(file, "field 'model." + key + "': not supported");
            }
        }
        Map<String, Object> vocabJson = object(model, "vocab", "model.vocab");
        List<Object> added = json.get("added_tokens") == null ? List.of() : list(json, "added_tokens", "added_tokens");

        int size = 0;
        for (Object id : vocabJson.values()) {
            size = Math.max(size, idValue(id, "model.vocab") + 1);
        }
        for (int i = 0; i < added.size(); i++) {
            size = Math.max(size, idValue(asObject(added.get(i), "added_tokens[" + i + "]").get("id"),
                    "added_tokens[" + i + "].id") + 1);
        }
        String[] pieces = new String[size];
        TokenType[] types = new TokenType[size];
        java.util.Arrays.fill(pieces, "");
        java.util.Arrays.fill(types, TokenType.UNUSED);
        vocabJson.forEach((piece, id) -> {
            pieces[idValue(id, "model.vocab")] = piece;
            types[idValue(id, "model.vocab")] = TokenType.NORMAL;
        });
        for (int i = 0; i < added.size(); i++) {
            Map<String, Object> token = asObject(added.get(i), "added_tokens[" + i + "]");
            int id = idValue(token.get("id"), "added_tokens[" + i + "].id");
            pieces[id] = string(token, "content", "added_tokens[" + i + "].content", null);
            // Special added tokens are control tokens; the others are matched verbatim in text.
            types[id] = Boolean.TRUE.equals(token.get("special")) ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        String unkName = model.get("unk_token") instanceof String s ? s : null;
        Vocabulary lookup = new Vocabulary(pieces, types, null, -1, -1, -1);
        int unk = unkName == null ? -1 : lookup.id(unkName);
        if (unk >= 0) {
            types[unk] = TokenType.UNKNOWN;
        }
        Object postProcessor = json.get("post_processor");
        int templateBos = templateBos(postProcessor, lookup);
        int bos = configToken(config, "bos_token", lookup, templateBos);
        int eos = configToken(config, "eos_token", lookup, -1);
        boolean addBos = config.get("add_bos_token") instanceof Boolean b ? b : templateBos >= 0;
        Vocabulary vocab = new Vocabulary(pieces, types, null, bos, eos, unk);

        BpeMerges merges = merges(model, vocab);
        boolean[] byteLevel = {false};
        PreTokenizer preTokenizer = preTokenizer(json.get("pre_tokenizer"), "pre_tokenizer", byteLevel);
        UnaryOperator<String> normalizer = normalizer(json.get("normalizer"), "normalizer");
        Object decoder = json.get("decoder");
        boolean byteLevelModel = byteLevel[0] || mentionsType(decoder, "ByteLevel");
        BytePairTokenizer.Options options = new BytePairTokenizer.Options(byteLevelModel,
                Boolean.TRUE.equals(model.get("byte_fallback")), Boolean.TRUE.equals(model.get("fuse_unk")),
                stripsLeadingSpace(decoder));
        return new BytePairTokenizer(vocab, merges, normalizer, preTokenizer, options, addBos);
    }

    private BpeMerges merges(Map<String, Object> model, Vocabulary vocab) {
        BpeMerges merges = new BpeMerges();
        List<Object> rules = list(model, "merges", "model.merges");
        for (int rank = 0; rank < rules.size(); rank++) {
            String field = "model.merges[" + rank + "]";
            Object rule = rules.get(rank);
            if (rule instanceof String s) {
                int space = s.indexOf(' ', 1);
                if (space < 0) {
                    throw new ModelFormatException(file, "field '" + field + "': '" + s + "' is not two pieces");
                }
                merges.add(vocab, s.substring(0, space), s.substring(space + 1), rank);
            } else if (rule instanceof List<?> pair && pair.size() == 2
                    && pair.get(0) instanceof String a && pair.get(1) instanceof String b) {
                merges.add(vocab, a, b, rank);
            } else {
                throw new ModelFormatException(file, "field '" + field + "': expected \"a b\" or [a, b]");
            }
        }
        return merges;
    }

    private UnaryOperator<String> normalizer(Object node, String field) {
        if (node == null) {
            return UnaryOperator.identity();
        }
        Map<String, Object> n = asObject(node, field);
        String type = string(n, "type", field + ".type", null);
        return switch (type) {
            case "Sequence" -> {
                UnaryOperator<String> all = UnaryOperator.identity();
                List<Object> steps = list(n, "normalizers", field + ".normalizers");
                for (int i = 0; i < steps.size(); i++) {
                    UnaryOperator<String> before = all;
                    UnaryOperator<String> step = normalizer(steps.get(i), field + ".normalizers[" + i + "]");
                    all = s -> step.apply(before.apply(s));
                }
                yield all;
            }
            case "Prepend" -> {
                String prefix = string(n, "prepend", field + ".prepend", null);
                yield s -> s.isEmpty() ? s : prefix + s;
            }
            case "Replace" -> {
                Pattern pattern = pattern(n, field);
                String content = string(n, "content", field + ".content", null);
                yield s -> pattern.matcher(s).replaceAll(java.util.regex.Matcher.quoteReplacement(content));
            }
            case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            default -> throw new ModelFormatException(file, "field '" + field + ".type': unsupported normalizer '" + type + "'");
        };
    }

    private PreTokenizer preTokenizer(Object node, String field, boolean[] byteLevel) {
        if (node == null) {
            return PreTokenizer.NONE;
        }
        Map<String, Object> n = asObject(node, field);
        String type = string(n, "type", field + ".type", null);
        return switch (type) {
            case "Sequence" -> {
                PreTokenizer all = null;
                List<Object> steps = list(n, "pretokenizers", field + ".pretokenizers");
                for (int i = 0; i < steps.size(); i++) {
                    PreTokenizer step = preTokenizer(steps.get(i), field + ".pretokenizers[" + i + "]", byteLevel);
                    all = all == null ? step : all.then(step);
                }
                yield all == null ? PreTokenizer.NONE : all;
            }
            case "ByteLevel" -> {
                byteLevel[0] = true;
                boolean prefix = Boolean.TRUE.equals(n.get("add_prefix_space"));
                PreTokenizer split = Boolean.FALSE.equals(n.get("use_regex"))
                        ? PreTokenizer.NONE : PreTokenizer.regexes(PreTokenizers.GPT2);
                yield prefix ? text -> split.split(text.startsWith(" ") ? text : " " + text) : split;
            }
            case "Split" -> {
                String behavior = string(n, "behavior", field + ".behavior", "Isolated");
                if (!behavior.equals("Isolated") || Boolean.TRUE.equals(n.get("invert"))) {
                    throw new ModelFormatException(file, "field '" + field + ".behavior': only Isolated, not inverted, is supported");
                }
                yield PreTokenizer.regexes(pattern(n, field).pattern());
            }
            case "Metaspace" -> {
                // Words start at each U+2581, which is merged with what follows it.
                yield PreTokenizer.regexes("\u2581[^\u2581]*|[^\u2581]+");
            }
            default -> throw new ModelFormatException(file, "field '" + field + ".type': unsupported pre-tokenizer '" + type + "'");
        };
    }

    private Pattern pattern(Map<String, Object> node, String field) {
        Map<String, Object> p = object(node, "pattern", field + ".pattern");
        if (p.get("String") instanceof String s) {
            return Pattern.compile(Pattern.quote(s));
        }
        if (p.get("Regex") instanceof String r) {
            return Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS);
        }
        throw new ModelFormatException(file, "field '" + field + ".pattern': expected String or Regex");
    }

    /** Whether the decoder removes the space a normalizer prepended (Strip with start > 0, or Metaspace). */
    private static boolean stripsLeadingSpace(Object decoder) {
        if (decoder instanceof Map<?, ?> m) {
            if ("Strip".equals(m.get("type")) && m.get("start") instanceof Long start && start > 0) {
                return true;
            }
            if ("Metaspace".equals(m.get("type")) && !"never".equals(m.get("prepend_scheme"))) {
                return true;
            }
            return m.values().stream().anyMatch(HuggingFaceTokenizerLoader::stripsLeadingSpace);
        }
        return decoder instanceof List<?> l && l.stream().anyMatch(HuggingFaceTokenizerLoader::stripsLeadingSpace);
    }

    private static boolean mentionsType(Object node, String type) {
        if (node instanceof Map<?, ?> m) {
            return type.equals(m.get("type")) || m.values().stream().anyMatch(v -> mentionsType(v, type));
        }
        return node instanceof List<?> l && l.stream().anyMatch(v -> mentionsType(v, type));
    }

    /** The id a TemplateProcessing post-processor puts first (the BOS it adds), or -1. */
    private static int templateBos(Object postProcessor, Vocabulary vocab) {
        if (postProcessor instanceof Map<?, ?> p && "TemplateProcessing".equals(p.get("type"))
                && p.get("single") instanceof List<?> single && !single.isEmpty()
                && single.get(0) instanceof Map<?, ?> first && first.get("SpecialToken") instanceof Map<?, ?> special
                && special.get("id") instanceof String name) {
            return vocab.id(name);
        }
        return -1;
    }

    /** A token named in tokenizer_config.json, as a string or as {"content": ...}. */
    private static int configToken(Map<String, Object> config, String key, Vocabulary vocab, int fallback) {
        Object v = config.get(key);
        if (v instanceof Map<?, ?> m) {
            v = m.get("content");
        }
        return v instanceof String s && vocab.id(s) >= 0 ? vocab.id(s) : fallback;
    }

    private int idValue(Object id, String field) {
        if (id instanceof Long l && l >= 0 && l < Integer.MAX_VALUE) {
            return l.intValue();
        }
        throw new ModelFormatException(file, "field '" + field + "': expected a token id, found " + id);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> asObject(Object node, String field) {
        if (node instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new ModelFormatException(file, "field '" + field + "': expected an object");
    }

    private Map<String, Object> object(Map<String, Object> parent, String key, String field) {
        Object v = parent.get(key);
        if (v == null) {
            throw new ModelFormatException(file, "field '" + field + "': missing");
        }
        return asObject(v, field);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Map<String, Object> parent, String key, String field) {
        if (parent.get(key) instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new ModelFormatException(file, "field '" + field + "': " + (parent.containsKey(key) ? "expected an array" : "missing"));
    }

    private String string(Map<String, Object> parent, String key, String field, String fallback) {
        Object v = parent.get(key);
        if (v == null && fallback != null) {
            return fallback;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new ModelFormatException(file, "field '" + field + "': " + (v == null ? "missing" : "expected a string"));
    }
}
