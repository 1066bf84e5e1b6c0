package dev.specula.runtime.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Splits text into the words BPE merges within (merges never cross a word boundary). */
@FunctionalInterface
interface PreTokenizer {
    List<String> split(String text);

    /** No splitting: the whole text is one word. */
    PreTokenizer NONE = List::of;

    /**
     * Applies regexes one after another, as llama.cpp's {@code unicode_regex_split} does: each splits
     * every piece left by the previous one, and both the matches and the text between them are kept.
     */
    static PreTokenizer regexes(String... regexes) {
        Pattern[] patterns = new Pattern[regexes.length];
        for (int i = 0; i < regexes.length; i++) {
            // Unicode \s (llama.cpp maps non-ASCII whitespace onto \v for std::regex for the same effect).
            patterns[i] = Pattern.compile(regexes[i], Pattern.UNICODE_CHARACTER_CLASS);
        }
        return text -> {
            List<String> pieces = List.of(text);
            for (Pattern p : patterns) {
                List<String> next = new ArrayList<>(pieces.size() * 2);
                for (String piece : pieces) {
                    splitKeepingAll(p, piece, next);
                }
                pieces = next;
            }
            return pieces;
        };
    }

    private static void splitKeepingAll(Pattern pattern, String text, List<String> out) {
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue; // an empty match splits nothing
            }
            if (m.start() > last) {
                out.add(text.substring(last, m.start()));
            }
            out.add(text.substring(m.start(), m.end()));
            last = m.end();
        }
        if (last < text.length()) {
            out.add(last == 0 ? text : text.substring(last));
        }
    }

    /** This pre-tokenizer, then {@code after} applied to each of its words. */
    default PreTokenizer then(PreTokenizer after) {
        return text -> {
            List<String> out = new ArrayList<>();
            for (String word : split(text)) {
                out.addAll(after.split(word));
            }
            return out;
        };
    }
}
