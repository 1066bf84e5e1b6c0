package dev.specula.runtime.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The token table shared by all tokenizer kinds: pieces as stored in the file, their kinds and
 * (SentencePiece) scores, the reverse map from piece to id, and the special ids.
 */
public final class Vocabulary {
    /** Texts llama.cpp also treats as end of generation besides EOS (end-of-turn markers). */
    private static final Set<String> END_OF_TURN = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>");

    private final String[] pieces;
    private final TokenType[] types;
    private final float[] scores;
    private final Map<String, Integer> ids;
    private final int bos;
    private final int eos;
    private final int unk;
    private final boolean[] endOfGeneration;

    /**
     * @param scores may be null (BPE vocabularies have none)
     * @param bos    -1 when absent; likewise {@code eos} and {@code unk}
     */
    public Vocabulary(String[] pieces, TokenType[] types, float[] scores, int bos, int eos, int unk) {
        if (types.length != pieces.length || (scores != null && scores.length != pieces.length)) {
            throw new IllegalArgumentException("pieces, types and scores differ in length");
        }
        this.pieces = pieces;
        this.types = types;
        this.scores = scores;
        this.ids = new HashMap<>(pieces.length * 2);
        // The first occurrence wins, as a later duplicate could never be produced by lookups anyway.
        for (int i = 0; i < pieces.length; i++) {
            ids.putIfAbsent(pieces[i], i);
        }
        this.bos = inRange(bos);
        this.eos = inRange(eos);
        this.unk = inRange(unk);
        this.endOfGeneration = new boolean[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            endOfGeneration[i] = i == this.eos || END_OF_TURN.contains(pieces[i]);
        }
    }

    private int inRange(int id) {
        return id >= 0 && id < pieces.length ? id : -1;
    }

    public int size() {
        return pieces.length;
    }

    public String piece(int id) {
        return pieces[id];
    }

    public TokenType type(int id) {
        return types[id];
    }

    /** The SentencePiece score, or 0 when the vocabulary has none. */
    public float score(int id) {
        return scores == null ? 0f : scores[id];
    }

    /** The id of {@code piece}, or -1. */
    public int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    public int bos() {
        return bos;
    }

    public int eos() {
        return eos;
    }

    public int unk() {
        return unk;
    }

    public boolean isEndOfGeneration(int id) {
        return id >= 0 && id < endOfGeneration.length && endOfGeneration[id];
    }

    /** Ids of the {@code <0xXX>} byte tokens by byte value, -1 where the vocabulary lacks one. */
    int[] byteTokens() {
        int[] bytes = new int[256];
        Arrays.fill(bytes, -1);
        for (int b = 0; b < 256; b++) {
            bytes[b] = id(byteTokenPiece(b));
        }
        return bytes;
    }

    static String byteTokenPiece(int b) {
        return String.format("<0x%02X>", b);
    }

    /** The byte a {@code <0xXX>} piece stands for, or -1 when {@code piece} is not one. */
    static int parseByteToken(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
}
