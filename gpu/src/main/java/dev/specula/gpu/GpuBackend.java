package dev.specula.gpu;

import dev.specula.runtime.engine.AttentionFactory;

import java.util.List;
import java.util.Optional;

/**
 * Entry point for callers: resolves a {@code --gpu} value against this machine's OpenCL devices and opens
 * the chosen one. Empty means "run on the CPU" ({@code off}, {@code auto} without a GPU, or no OpenCL at all).
 */
public record GpuBackend(OpenClContext context, GpuKernels kernels) implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GpuBackend.class.getName());

    /**
     * @throws GpuSelection.SelectionException when {@code spec} is malformed or names a device that does
     *                                         not exist (the message lists the available ones)
     */
    public static Optional<GpuBackend> open(String spec) {
        GpuSelection selection = GpuSelection.parse(spec);
        if (selection instanceof GpuSelection.Off) {
            return Optional.empty(); // do not even load OpenCL
        }
        return open(selection, OpenClDevices.list());
    }

    static Optional<GpuBackend> open(GpuSelection selection, List<OpenClDevice> devices) {
        Optional<OpenClDevice> device = selection.resolve(devices);
        if (device.isEmpty()) {
            if (selection instanceof GpuSelection.Auto) {
                LOG.log(System.Logger.Level.INFO, devices.isEmpty() ? "GPU: none (no OpenCL platform), using the CPU"
                        : "GPU: no OpenCL GPU device among " + devices.size() + ", using the CPU");
            }
            return Optional.empty();
        }
        OpenClContext ctx = OpenClContext.create(device.get());
        LOG.log(System.Logger.Level.INFO, "GPU: " + device.get().describe());
        return Optional.of(new GpuBackend(ctx, new GpuKernels(ctx)));
    }

    /** Attention with each session's KV cache in device memory. */
    public AttentionFactory attentionFactory() {
        return (config, contextLength) -> GpuKvCache.create(kernels, config, contextLength);
    }

    public OpenClDevice device() {
        return context.device();
    }

    @Override
    public void close() {
        context.close();
    }
}
