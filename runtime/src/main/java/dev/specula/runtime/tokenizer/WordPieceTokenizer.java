package dev.specula.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * BERT's WordPiece as llama.cpp's {@code llm_tokenizer_wpm} runs it on GGUF vocabularies, where a
 * word-initial piece carries a U+2581 prefix (instead of {@code ##} on continuations): lowercase,
 * strip accents, split on whitespace and punctuation, then longest-match each word; a word that cannot
 * be covered entirely becomes one unknown token.
 */
public final class WordPieceTokenizer extends VocabularyTokenizer {
    private final int maxPieceLength;
    private final AddedTokenSplitter addedTokens;

    public WordPieceTokenizer(Vocabulary vocab, boolean addBos) {
        super(vocab, addBos);
        int max = 1;
        for (int id = 0; id < vocab.size(); id++) {
            max = Math.max(max, vocab.piece(id).length());
        }
        this.maxPieceLength = max;
        this.addedTokens = new AddedTokenSplitter(vocab);
    }

    @Override
    public int[] encode(String text) {
        IntList out = new IntList();
        for (AddedTokenSplitter.Fragment f : addedTokens.split(text)) {
            if (!f.isText()) {
                out.add(f.token());
                continue;
            }
            for (String word : words(f.text())) {
                encodeWord(SentencePieceTokenizer.SPACE_MARK + word, out);
            }
        }
        return out.toArray();
    }

    private void encodeWord(String word, IntList out) {
        IntList pieces = new IntList();
        for (int i = 0; i < word.length(); ) {
            int found = -1;
            int end = Math.min(word.length(), i + maxPieceLength);
            for (; end > i; end--) {
                found = vocab.id(word.substring(i, end));
                if (found >= 0) {
                    break;
                }
            }
            if (found < 0) {
                out.add(vocab.unk());
                return;
            }
            pieces.add(found);
            i = end;
        }
        out.addAll(pieces.toArray());
    }

    /** BERT's basic tokenizer: lowercased, accent-free words and single punctuation characters. */
    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        String nfd = Normalizer.normalize(text, Normalizer.Form.NFD);
        for (int i = 0; i < nfd.length(); ) {
            int cp = nfd.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                flush(word, words);
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.PRIVATE_USE || type == Character.SURROGATE
                    || type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                    || type == Character.COMBINING_SPACING_MARK) {
                continue;
            }
            int lower = Character.toLowerCase(cp);
            if (isPunctuation(type) || (cp < 0x7F && isSymbol(type)) || isChinese(cp)) {
                flush(word, words);
                words.add(Character.toString(lower));
            } else {
                word.appendCodePoint(lower);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    private static boolean isPunctuation(int type) {
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    private static boolean isSymbol(int type) {
        return type == Character.MATH_SYMBOL || type == Character.CURRENCY_SYMBOL
                || type == Character.MODIFIER_SYMBOL || type == Character.OTHER_SYMBOL;
    }

    /** The CJK ranges BERT splits into single characters. */
    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    @Override
    public String decode(int[] tokens) {
        String text = super.decode(tokens);
        return text.startsWith(" ") ? text.substring(1) : text;
    }


    @Override
    public byte[] tokenBytes(int token) {
        TokenType type = vocab.type(token);
        return type.isText()
                ? vocab.piece(token).replace(SentencePieceTokenizer.SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8)
                : new byte[0];
    }
}
