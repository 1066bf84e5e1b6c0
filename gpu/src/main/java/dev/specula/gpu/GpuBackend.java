package dev.specula.gpu;

import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.EnsembleDeltaFactory;

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
            LOG.log(System.Logger.Level.DEBUG, () -> "GPU: " + cpuFallbackReason(devices, OpenClDevices.discover()));
            return Optional.empty();
        }
        OpenClContext ctx = OpenClContext.create(device.get());
        LOG.log(System.Logger.Level.DEBUG, () -> "GPU: " + device.get().describe());
        return Optional.of(new GpuBackend(ctx, new GpuKernels(ctx)));
    }

    /**
     * One line saying why {@code auto} stays on the CPU: no usable OpenCL at all (the discovery summary), or
     * OpenCL without an integrated GPU (CPU devices such as PoCL and discrete GPUs are never picked
     * automatically). For front ends to print.
     */
    public static String cpuFallbackReason() {
        OpenClDevices.Discovery discovery = OpenClDevices.discover();
        return cpuFallbackReason(discovery.devices(), discovery);
    }

    private static String cpuFallbackReason(List<OpenClDevice> devices, OpenClDevices.Discovery discovery) {
        if (devices.isEmpty()) {
            return discovery.available() ? "no OpenCL platform" : discovery.summary();
        }
        return "no integrated OpenCL GPU among " + devices.size() + " OpenCL device(s); CPU devices and discrete "
                + "GPUs are only used when selected explicitly (--gpu N or NAME)";
    }

    /** Attention with each session's KV cache in device memory. */
    public AttentionFactory attentionFactory() {
        return (config, contextLength) -> GpuKvCache.create(kernels, config, contextLength);
    }

    /** LoRA ensembles' updates computed on this device (BGMV kernels), for {@code Engine.ensembleDeltasOn}. */
    public EnsembleDeltaFactory ensembleDeltas() {
        return (ensemble, config, pool, maxBatch) -> new GpuEnsembleDeltas(kernels, context, ensemble, config, maxBatch);
    }

    public OpenClDevice device() {
        return context.device();
    }

    @Override
    public void close() {
        context.close();
    }
}
