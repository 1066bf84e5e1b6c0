/**
 * OpenCL backend (LWJGL 3.4.3) for GPUs of edge devices, integrated ones first.
 *
 * <ul>
 *   <li>{@link dev.specula.gpu.OpenClDevices} discovers devices and never throws: no OpenCL means an empty
 *       list and a one-line summary. {@link dev.specula.gpu.GpuSelection} parses {@code --gpu}
 *       ({@code auto | off | <index> | <name substring>}); {@link dev.specula.gpu.GpuBackend#open(String)}
 *       does both and opens the device, or returns empty for the CPU path.</li>
 *   <li>{@link dev.specula.gpu.OpenClContext}: context, in-order queue, program cache, buffers; weights are
 *       zero-copy ({@code CL_MEM_USE_HOST_PTR}) on host-unified devices.</li>
 *   <li>{@link dev.specula.gpu.GpuKernels}: matmul (F32, F16, BF16, Q8_0, Q4_0; K-way batched), RMSNorm,
 *       SwiGLU, RoPE, residual add, split (flash-decoding) attention, batched LoRA (BGMV).
 *       {@link dev.specula.gpu.GpuKvCache}: a sequence's KV cache on the device.</li>
 *   <li>{@link dev.specula.gpu.KernelBenchmark}: times every kernel against the CPU kernel on the same data
 *       (GB/s, speed-up, largest difference), for {@code specula devices gpu-bench}.</li>
 * </ul>
 *
 * <p>JVM flags: {@code --enable-native-access=ALL-UNNAMED -Dorg.lwjgl.system.memoryBackend=ffm}; on Linux
 * {@code org.lwjgl.opencl.libname} defaults to {@code libOpenCL.so.1} when not set (see
 * {@link dev.specula.gpu.OpenClDevices}). Kernel sources are OpenCL C 1.2 without extensions, in
 * {@code dev/specula/gpu/kernels/*.cl}.
 */
package dev.specula.gpu;
