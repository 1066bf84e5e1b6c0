package dev.specula.runtime.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BPE merge rules keyed by the ids of the two pieces: the rank (lower merges first) and the id of
 * the merged piece. Rules whose pieces are missing from the vocabulary can never fire and are dropped.
 */
final class BpeMerges {
    private final Map<Long, Long> rules = new HashMap<>();

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Adds a rule; returns false when one of the three pieces is not in {@code vocab}. */
    boolean add(Vocabulary vocab, String left, String right, int rank) {
        int l = vocab.id(left);
        int r = vocab.id(right);
        int merged = vocab.id(left + right);
        if (l < 0 || r < 0 || merged < 0) {
            return false;
        }
        rules.putIfAbsent(key(l, r), ((long) rank << 32) | merged);
        return true;
    }

    int size() {
        return rules.size();
    }

    /** The packed {@code rank << 32 | mergedId} of the rule for this pair, or -1 if there is none. */
    long find(int left, int right) {
        Long rule = rules.get(key(left, right));
        return rule == null ? -1 : rule;
    }

    /**
     * Recovers the merges of a BPE vocabulary converted to GGUF without them: llama.cpp's
     * {@code LlamaHfVocab} writes a Hugging Face BPE tokenizer as a "llama" vocabulary whose scores are
     * all the same placeholder. The BPE trainer numbers each merged piece in merge order, so piece
     * {@code t} was made by the merge that the rules learned so far produce when applied to {@code t}
     * alone. On TinyStories-656K this gives back exactly the merges of its tokenizer.json.
     */
    static BpeMerges fromMergeOrder(Vocabulary vocab, List<Integer> candidates) {
        BpeMerges merges = new BpeMerges();
        BpeWordEncoder encoder = new BpeWordEncoder(vocab, merges);
        for (int id : candidates) {
            String piece = vocab.piece(id);
            if (piece.codePointCount(0, piece.length()) < 2) {
                continue;
            }
            int[] parts = encoder.mergeSymbolsOf(piece);
            if (parts != null && parts.length == 2) {
                merges.rules.putIfAbsent(key(parts[0], parts[1]), ((long) id << 32) | id);
            }
        }
        return merges;
    }
}
