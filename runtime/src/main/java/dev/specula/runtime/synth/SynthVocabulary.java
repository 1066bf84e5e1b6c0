package dev.specula.runtime.synth;

import java.util.Locale;

/**
 * A SentencePiece-style vocabulary for synthetic models: {@code <unk>}, {@code <s>}, {@code </s>},
 * the 256 byte-fallback tokens {@code <0x00>..<0xFF>}, then made-up pieces over a letter alphabet,
 * with and without the word-start mark, scored so that shorter pieces merge first.
 */
public record SynthVocabulary(String[] tokens, float[] scores, int[] types) {

    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;

    /** llama.cpp's {@code llama_token_type}. */
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int BYTE = 6;

    private static final String SPACE = "\u2581";
    private static final String ALPHABET = "etaoinshrdlucmfwypvbgkjqxz";
    private static final int FIRST_PIECE = 3 + 256;

    public static SynthVocabulary of(int size) {
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        tokens[UNK] = "<unk>";
        types[UNK] = UNKNOWN;
        tokens[BOS] = "<s>";
        types[BOS] = CONTROL;
        tokens[EOS] = "</s>";
        types[EOS] = CONTROL;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format(Locale.ROOT, "<0x%02X>", b);
            types[3 + b] = BYTE;
        }
        tokens[FIRST_PIECE] = SPACE;
        types[FIRST_PIECE] = NORMAL;
        for (int id = FIRST_PIECE + 1; id < size; id++) {
            int k = id - FIRST_PIECE - 1;
            // Even k start a word, odd k continue one: every (mark, word) pair is distinct.
            tokens[id] = (k % 2 == 0 ? SPACE : "") + word(k / 2 + 1);
            scores[id] = -k;
            types[id] = NORMAL;
        }
        return new SynthVocabulary(tokens, scores, types);
    }

    /** Bijective base-26 numbering: 1 -> "e", 26 -> "z", 27 -> "ee", ... so every length-n word precedes longer ones. */
    private static String word(int n) {
        StringBuilder sb = new StringBuilder();
        while (n > 0) {
            n--;
            sb.append(ALPHABET.charAt(n % ALPHABET.length()));
            n /= ALPHABET.length();
        }
        return sb.reverse().toString();
    }
}
