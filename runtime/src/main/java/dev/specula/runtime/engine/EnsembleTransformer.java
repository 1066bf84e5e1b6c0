package dev.specula.runtime.engine;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.model.ModelConfig;

/**
 * A base {@link Transformer} with K LoRA members on top. Decoding advances all members by one
 * token in a single batch of K rows, so each base weight is read once per step for the whole
 * ensemble; prompts run per member in the base's usual token batches.
 */
public final class EnsembleTransformer {
    private final Transformer base;
    private final LoraEnsemble ensemble;
    private final EnsembleDeltaSet deltas;
    private final float[] memberLogits;

    public EnsembleTransformer(Transformer base, LoraEnsemble ensemble, ComputePool pool) {
        this(base, ensemble, pool, EnsembleDeltaFactory.CPU);
    }

    /** With the members' updates computed where {@code deltas} puts them; the caller closes what it creates. */
    public EnsembleTransformer(Transformer base, LoraEnsemble ensemble, ComputePool pool, EnsembleDeltaFactory deltas) {
        ModelConfig c = base.config();
        ModelConfig e = ensemble.config();
        if (e.dim() != c.dim() || e.hiddenDim() != c.hiddenDim() || e.kvDim() != c.kvDim() || e.layers() != c.layers()) {
            throw new SpeculaException("the ensemble was made for a model of dim " + e.dim() + ", hidden " + e.hiddenDim()
                    + ", kv " + e.kvDim() + ", " + e.layers() + " layers; the base has dim " + c.dim() + ", hidden "
                    + c.hiddenDim() + ", kv " + c.kvDim() + ", " + c.layers() + " layers");
        }
        if (ensemble.size() > base.maxMembers()) {
            throw new SpeculaException("ensemble of " + ensemble.size() + " members exceeds the most one batch decodes, "
                    + base.maxMembers());
        }
        this.base = base;
        this.ensemble = ensemble;
        this.deltas = deltas.create(ensemble, c, pool, base.maxBatch()); // a member alone runs prompt batches
        this.memberLogits = new float[ensemble.size() * c.vocabSize()];
    }

    public ModelConfig config() {
        return base.config();
    }

    /** The members' updates, for their owner to close. */
    public EnsembleDeltaSet deltas() {
        return deltas;
    }

    public LoraEnsemble ensemble() {
        return ensemble;
    }

    public int members() {
        return ensemble.size();
    }

    public EnsembleSession newSession(AttentionFactory attention, int contextLength) {
        Session[] sessions = new Session[members()];
        try {
            for (int k = 0; k < sessions.length; k++) {
                sessions[k] = base.newSession(attention, contextLength);
            }
        } catch (RuntimeException ex) {
            for (Session s : sessions) {
                if (s != null) {
                    s.close();
                }
            }
            throw ex;
        }
        return new EnsembleSession(sessions);
    }

    /** A sequence for one member at a time ({@link #forwardMember}): one KV cache instead of one per member. */
    public Session newMemberSession(AttentionFactory attention, int contextLength) {
        return base.newSession(attention, contextLength);
    }

    /**
     * Appends {@code tokens[offset .. offset+count)} to {@code session} as member {@code k} alone sees them,
     * handing the logits after every token to {@code consumer}: scoring a text member by member.
     */
    public void forwardMember(int k, Session session, int[] tokens, int offset, int count, LogitsConsumer consumer) {
        base.forward(session, tokens, offset, count, deltas.member(k), consumer);
    }

    /**
     * Appends {@code tokens[offset .. offset+count)} for every member and returns the members'
     * logits after the last token: member k's at {@code [k*vocab, (k+1)*vocab)} of a shared buffer,
     * valid until the next call.
     */
    public float[] forward(EnsembleSession session, int[] tokens, int offset, int count) {
        Session[] sessions = session.members();
        if (count == 1) {
            return base.forwardMembers(sessions, tokens[offset], deltas.perRow());
        }
        int vocab = config().vocabSize();
        for (int k = 0; k < sessions.length; k++) {
            float[] logits = base.forward(sessions[k], tokens, offset, count, deltas.member(k), null);
            System.arraycopy(logits, 0, memberLogits, k * vocab, vocab);
        }
        return memberLogits;
    }
}
