package dev.specula.runtime.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Cuts user-defined (added, non-special) tokens out of the input before the model's own
 * tokenization, as llama.cpp and Hugging Face tokenizers do even when special-token text is not
 * parsed: e.g. DeepSeek's vocabularies add {@code "ü"} as a token of its own, NeoX adds runs of spaces.
 * Control tokens such as {@code <s>} are deliberately not matched (see {@link Tokenizer#encode}).
 */
final class AddedTokenSplitter {
    /** A piece of input: raw text ({@code token == -1}) or an added token matched verbatim. */
    record Fragment(String text, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    private final int[] tokens;
    private final String[] texts;

    AddedTokenSplitter(Vocabulary vocab) {
        // Longest first, so that a token containing another one wins.
        this.tokens = IntStream.range(0, vocab.size())
                .filter(id -> vocab.type(id) == TokenType.USER_DEFINED && !vocab.piece(id).isEmpty())
                .boxed()
                .sorted(Comparator.comparingInt((Integer id) -> vocab.piece(id).length()).reversed())
                .mapToInt(Integer::intValue)
                .toArray();
        this.texts = new String[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            texts[i] = vocab.piece(tokens[i]);
        }
    }

    List<Fragment> split(String text) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(text, -1));
        for (int t = 0; t < tokens.length; t++) {
            fragments = splitOn(fragments, texts[t], tokens[t]);
        }
        return fragments;
    }

    private static List<Fragment> splitOn(List<Fragment> fragments, String needle, int token) {
        List<Fragment> out = new ArrayList<>(fragments.size());
        for (Fragment f : fragments) {
            if (!f.isText()) {
                out.add(f);
                continue;
            }
            String s = f.text();
            int from = 0;
            for (int at = s.indexOf(needle); at >= 0; at = s.indexOf(needle, from)) {
                if (at > from) {
                    out.add(new Fragment(s.substring(from, at), -1));
                }
                out.add(new Fragment(needle, token));
                from = at + needle.length();
            }
            if (from < s.length()) {
                out.add(new Fragment(from == 0 ? s : s.substring(from), -1));
            }
        }
        return out;
    }
}
