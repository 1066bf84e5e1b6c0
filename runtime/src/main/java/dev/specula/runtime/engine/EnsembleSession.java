package dev.specula.runtime.engine;

/** One sequence decoded by every member of an ensemble: the same tokens, a KV cache per member. */
public final class EnsembleSession implements TokenSequence {
    private final Session[] members;

    EnsembleSession(Session[] members) {
        this.members = members;
    }

    Session[] members() {
        return members;
    }

    public Session member(int k) {
        return members[k];
    }

    @Override
    public int position() {
        return members[0].position();
    }

    @Override
    public int capacity() {
        return members[0].capacity();
    }

    /** The tokens processed so far; live, read only {@code [0, position())}. */
    @Override
    public int[] tokens() {
        return members[0].tokens();
    }

    /** Bytes of all members' KV caches. */
    public long kvCacheBytes() {
        long bytes = 0;
        for (Session s : members) {
            bytes += s.attention().bytes();
        }
        return bytes;
    }

    @Override
    public void close() {
        for (Session s : members) {
            s.close();
        }
    }
}
