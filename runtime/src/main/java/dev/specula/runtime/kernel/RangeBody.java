package dev.specula.runtime.kernel;

/** A piece of parallel work over the index range {@code [from, to)}. */
@FunctionalInterface
public interface RangeBody {
    void run(int from, int to);
}
