package dev.specula.runtime.tokenizer;

import dev.specula.runtime.SpeculaException;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * BPE with merge ranks: GPT-2-style byte-level vocabularies (GGUF {@code gpt2}, Hugging Face ByteLevel)
 * and SentencePiece-style ones whose pieces are characters with U+2581 for spaces (Hugging Face BPE with
 * a Metaspace-like normalizer, e.g. TinyStories-656K).
 *
 * <p>A character no piece covers becomes {@code <0xXX>} byte tokens when {@link Options#byteFallback}
 * and the vocabulary has them all, else the unknown token (consecutive ones fused into one when
 * {@link Options#fuseUnknown}, as Hugging Face does), else a {@link SpeculaException} naming it.
 */
public final class BytePairTokenizer extends VocabularyTokenizer {
    /** Cached words are short; a document-sized word (no pre-tokenizer) is not worth keeping. */
    private static final int MAX_CACHED_WORD = 64;
    private static final int MAX_CACHE_ENTRIES = 100_000;

    /**
     * @param byteLevel          words are mapped to GPT-2 byte characters before merging
     * @param byteFallback       unknown characters become {@code <0xXX>} tokens when they exist
     * @param fuseUnknown        a run of unknown characters gives a single unknown token
     * @param stripLeadingSpace  decoding drops one leading space (the one a normalizer prepended)
     */
    public record Options(boolean byteLevel, boolean byteFallback, boolean fuseUnknown, boolean stripLeadingSpace) {
    }

    private final BpeWordEncoder encoder;
    private final UnaryOperator<String> normalizer;
    private final PreTokenizer preTokenizer;
    private final Options options;
    private final int[] byteTokens;
    private final byte[][] bytes;
    private final AddedTokenSplitter addedTokens;
    private final Map<String, int[]> cache = new HashMap<>();

    BytePairTokenizer(Vocabulary vocab, BpeMerges merges, UnaryOperator<String> normalizer,
                      PreTokenizer preTokenizer, Options options, boolean addBos) {
        super(vocab, addBos);
        this.encoder = new BpeWordEncoder(vocab, merges);
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.options = options;
        this.byteTokens = vocab.byteTokens();
        this.bytes = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) {
            bytes[id] = decodePiece(id);
        }
        this.addedTokens = new AddedTokenSplitter(vocab);
    }

    private byte[] decodePiece(int id) {
        String piece = vocab.piece(id);
        int b = Vocabulary.parseByteToken(piece);
        return switch (vocab.type(id)) {
            case USER_DEFINED -> piece.getBytes(StandardCharsets.UTF_8);
            case BYTE -> b < 0 ? new byte[0] : new byte[] {(byte) b};
            case NORMAL -> {
                if (options.byteLevel()) {
                    yield ByteLevel.decode(piece);
                }
                if (b >= 0 && options.byteFallback()) {
                    yield new byte[] {(byte) b};
                }
                yield piece.replace(SentencePieceTokenizer.SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            }
            default -> new byte[0];
        };
    }

    @Override
    public int[] encode(String text) {
        IntList out = new IntList();
        for (AddedTokenSplitter.Fragment f : addedTokens.split(text)) {
            if (!f.isText()) {
                out.add(f.token());
                continue;
            }
            for (String word : preTokenizer.split(normalizer.apply(f.text()))) {
                out.addAll(encodeWord(options.byteLevel() ? ByteLevel.encode(word) : word, text));
            }
        }
        return out.toArray();
    }

    private int[] encodeWord(String word, String input) {
        if (word.length() > MAX_CACHED_WORD) {
            return encoder.merge(initialSymbols(word, input));
        }
        synchronized (cache) {
            int[] cached = cache.get(word);
            if (cached != null) {
                return cached;
            }
        }
        int[] ids = encoder.merge(initialSymbols(word, input));
        synchronized (cache) {
            if (cache.size() >= MAX_CACHE_ENTRIES) {
                cache.clear();
            }
            cache.put(word, ids);
        }
        return ids;
    }

    /** One token per character, with the byte/unknown fallbacks for characters the vocabulary lacks. */
    private int[] initialSymbols(String word, String input) {
        IntList ids = new IntList();
        boolean previousUnknown = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            String ch = Character.toString(cp);
            i += ch.length();
            int id = vocab.id(ch);
            if (id >= 0) {
                ids.add(id);
                previousUnknown = false;
            } else if (options.byteFallback() && coveredByBytes(ch)) {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                    ids.add(byteTokens[b & 0xFF]);
                }
                previousUnknown = false;
            } else if (vocab.unk() >= 0) {
                if (!(previousUnknown && options.fuseUnknown())) {
                    ids.add(vocab.unk());
                }
                previousUnknown = true;
            } else {
                throw new SpeculaException("cannot tokenize character U+" + Integer.toHexString(cp).toUpperCase()
                        + " at offset " + input.indexOf(cp) + ": the vocabulary has no piece, byte token or <unk> for it");
            }
        }
        return ids.toArray();
    }

    private boolean coveredByBytes(String ch) {
        for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
            if (byteTokens[b & 0xFF] < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String decode(int[] tokens) {
        String text = super.decode(tokens);
        return options.stripLeadingSpace() && text.startsWith(" ") ? text.substring(1) : text;
    }


    @Override
    public byte[] tokenBytes(int token) {
        return bytes[token].clone();
    }
}
