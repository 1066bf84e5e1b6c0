package dev.specula.runtime.tokenizer;

import dev.specula.runtime.SpeculaException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * SentencePiece-style BPE as llama.cpp's {@code llm_tokenizer_spm} and llama2.c's {@code encode} do it:
 * spaces become U+2581, a leading space is added when the vocabulary asks, then adjacent pieces are
 * merged greedily, always the pair whose concatenation is the highest-scoring vocabulary piece
 * (leftmost on ties). Characters no piece covers fall back to {@code <0xXX>} byte tokens.
 */
public final class SentencePieceTokenizer extends VocabularyTokenizer {
    static final char SPACE_MARK = '\u2581';

    private final boolean addSpacePrefix;
    private final int[] byteTokens;
    /** Merge priority per token: 0 for the highest score; equal scores share a priority. */
    private final int[] priority;
    private final byte[][] bytes;
    private final AddedTokenSplitter addedTokens;

    public SentencePieceTokenizer(Vocabulary vocab, boolean addSpacePrefix, boolean addBos) {
        super(vocab, addBos);
        this.addSpacePrefix = addSpacePrefix;
        this.byteTokens = vocab.byteTokens();
        this.priority = priorities(vocab);
        this.bytes = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) {
            bytes[id] = decodePiece(vocab, id);
        }
        this.addedTokens = new AddedTokenSplitter(vocab);
    }

    private static int[] priorities(Vocabulary vocab) {
        Integer[] order = IntStream.range(0, vocab.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer id) -> vocab.score(id)).reversed());
        int[] priority = new int[vocab.size()];
        int rank = 0;
        for (int i = 0; i < order.length; i++) {
            if (i > 0 && vocab.score(order[i]) != vocab.score(order[i - 1])) {
                rank = i;
            }
            priority[order[i]] = rank;
        }
        return priority;
    }

    private static byte[] decodePiece(Vocabulary vocab, int id) {
        String piece = vocab.piece(id);
        return switch (vocab.type(id)) {
            case NORMAL -> piece.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            case USER_DEFINED -> piece.getBytes(StandardCharsets.UTF_8);
            case BYTE -> {
                int b = Vocabulary.parseByteToken(piece);
                yield b < 0 ? new byte[0] : new byte[] {(byte) b};
            }
            default -> new byte[0];
        };
    }

    @Override
    public int[] encode(String text) {
        IntList out = new IntList();
        boolean previousWasToken = true; // the text start counts as a token boundary
        for (AddedTokenSplitter.Fragment f : addedTokens.split(text)) {
            if (!f.isText()) {
                out.add(f.token());
                previousWasToken = true;
                continue;
            }
            String s = addSpacePrefix && previousWasToken ? " " + f.text() : f.text();
            encodeEscaped(s.replace(' ', SPACE_MARK), out);
            previousWasToken = false;
        }
        return out.toArray();
    }

    /** The greedy merge over one fragment whose spaces are already U+2581. */
    private void encodeEscaped(String text, IntList out) {
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int cp = text.codePointAt(pos);
            start[i] = pos;
            len[i] = Character.charCount(cp);
            pos += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongMinHeap queue = new LongMinHeap();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, text, start, len, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long entry = queue.poll();
            int left = (int) entry;
            int right = next[left] < 0 || len[left] == 0 ? -1 : next[left];
            // Entries go stale when a neighbour merged first; the pair now at `left` is still the one
            // to merge if it has the popped priority, because then it carries the very same key.
            if (right < 0 || pairPriority(text, start, len, left, right) != (int) (entry >>> 32)) {
                continue;
            }
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, text, start, len, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(queue, text, start, len, left, next[left]);
            }
        }
        for (int i = 0; i >= 0 && n > 0; i = next[i]) {
            emit(text, start[i], len[i], out);
        }
    }

    private void offer(LongMinHeap queue, String text, int[] start, int[] len, int left, int right) {
        int p = pairPriority(text, start, len, left, right);
        if (p >= 0) {
            queue.add(((long) p << 32) | left);
        }
    }

    /** Priority of the piece the two adjacent symbols would form, or -1 if no text piece matches. */
    private int pairPriority(String text, int[] start, int[] len, int left, int right) {
        int id = vocab.id(text.substring(start[left], start[left] + len[left] + len[right]));
        return id >= 0 && vocab.type(id).isText() ? priority[id] : -1;
    }

    private void emit(String text, int from, int length, IntList out) {
        String piece = text.substring(from, from + length);
        int id = vocab.id(piece);
        if (id >= 0 && vocab.type(id).isText()) {
            out.add(id);
            return;
        }
        byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        boolean covered = true;
        for (byte b : utf8) {
            covered &= byteTokens[b & 0xFF] >= 0;
        }
        if (covered) {
            for (byte b : utf8) {
                out.add(byteTokens[b & 0xFF]);
            }
        } else if (vocab.unk() >= 0) {
            out.add(vocab.unk()); // documented choice: one <unk> per character no piece or byte covers
        } else {
            throw new SpeculaException("cannot tokenize character U+" + Integer.toHexString(piece.codePointAt(0))
                    .toUpperCase() + " at offset " + from + ": the vocabulary has no piece, byte token or <unk> for it");
        }
    }

    @Override
    public String decode(int[] tokens) {
        String text = super.decode(tokens);
        // llama.cpp and SentencePiece drop the space that the encoder put in front of the text.
        return addSpacePrefix && text.startsWith(" ") && startsWithTextToken(tokens) ? text.substring(1) : text;
    }

    private boolean startsWithTextToken(int[] tokens) {
        for (int t : tokens) {
            if (bytes[t].length > 0) {
                return vocab.type(t) == TokenType.NORMAL;
            }
        }
        return false;
    }


    @Override
    public byte[] tokenBytes(int token) {
        return bytes[token].clone();
    }
}
