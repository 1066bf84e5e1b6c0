package dev.specula.runtime.tokenizer;

/** What every tokenizer answers straight from its vocabulary: size, pieces and special tokens. */
abstract class VocabularyTokenizer implements Tokenizer {
    protected final Vocabulary vocab;
    private final boolean addBos;

    VocabularyTokenizer(Vocabulary vocab, boolean addBos) {
        this.vocab = vocab;
        this.addBos = addBos;
    }

    /** The interface's decode, reachable from subclasses that post-process it. */
    @Override
    public String decode(int[] tokens) {
        return Tokenizer.super.decode(tokens);
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public String piece(int token) {
        return vocab.piece(token);
    }

    @Override
    public int bos() {
        return vocab.bos();
    }

    @Override
    public int eos() {
        return vocab.eos();
    }

    @Override
    public boolean addBos() {
        return addBos;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return vocab.isEndOfGeneration(token);
    }
}
