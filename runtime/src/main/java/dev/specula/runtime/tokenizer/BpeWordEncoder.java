package dev.specula.runtime.tokenizer;

/**
 * The BPE merge loop over one word: repeatedly applies the lowest-ranked rule among adjacent pairs,
 * leftmost first on ties, as llama.cpp's {@code llm_tokenizer_bpe} and Hugging Face's {@code BPE} do.
 * A heap keeps this O(n log n) even when a whole document is one word (no pre-tokenizer).
 */
final class BpeWordEncoder {
    private final Vocabulary vocab;
    private final BpeMerges merges;

    BpeWordEncoder(Vocabulary vocab, BpeMerges merges) {
        this.vocab = vocab;
        this.merges = merges;
    }

    /** Merges a sequence of token ids as far as the rules allow. */
    int[] merge(int[] symbols) {
        int n = symbols.length;
        if (n < 2) {
            return symbols;
        }
        int[] sym = symbols.clone();
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongMinHeap queue = new LongMinHeap();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, sym, i, i + 1);
        }
        int remaining = n;
        while (!queue.isEmpty()) {
            long entry = queue.poll();
            int left = (int) entry;
            int right = gone[left] ? -1 : next[left];
            if (right < 0) {
                continue;
            }
            long rule = merges.find(sym[left], sym[right]);
            // A stale entry is harmless: if the pair now at `left` has the popped rank it is the same rule.
            if (rule < 0 || (int) (rule >>> 32) != (int) (entry >>> 32)) {
                continue;
            }
            sym[left] = (int) rule;
            gone[right] = true;
            remaining--;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, sym, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(queue, sym, left, next[left]);
            }
        }
        int[] out = new int[remaining];
        for (int i = 0, k = 0; i >= 0; i = next[i]) {
            out[k++] = sym[i];
        }
        return out;
    }

    private void offer(LongMinHeap queue, int[] sym, int left, int right) {
        long rule = merges.find(sym[left], sym[right]);
        if (rule >= 0) {
            queue.add((rule & 0xFFFFFFFF00000000L) | left);
        }
    }

    /** The pieces {@code word} merges to when each of its characters is a token, or null if one is not. */
    int[] mergeSymbolsOf(String word) {
        int[] ids = word.codePoints().map(cp -> vocab.id(Character.toString(cp))).toArray();
        for (int id : ids) {
            if (id < 0) {
                return null;
            }
        }
        return merge(ids);
    }
}
