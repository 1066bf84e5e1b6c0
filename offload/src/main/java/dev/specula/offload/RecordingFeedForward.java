package dev.specula.offload;

import dev.specula.runtime.engine.FeedForward;

/** Runs a delegate feed-forward and shows every token's normalised input to a listener (calibration). */
final class RecordingFeedForward implements FeedForward {
    interface Listener {
        /** {@code x[offset .. offset + dim)} is the input of layer {@code layer} for one token. */
        void input(int layer, float[] x, int offset);
    }

    private final FeedForward delegate;
    private final int dim;
    private final Listener listener;

    RecordingFeedForward(FeedForward delegate, int dim, Listener listener) {
        this.delegate = delegate;
        this.dim = dim;
        this.listener = listener;
    }

    @Override
    public void forward(int layer, float[] x, float[] out, int batch) {
        for (int b = 0; b < batch; b++) {
            listener.input(layer, x, b * dim);
        }
        delegate.forward(layer, x, out, batch);
    }
}
