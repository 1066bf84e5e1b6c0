package dev.specula.gpu;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The test device: PoCL (CPU OpenCL), chosen explicitly by name; {@code -Dspecula.gpu.test=<selection>}
 * overrides. Fails loudly, never skips, when there is no OpenCL at all.
 */
final class Pocl {

    private static OpenClContext context;
    private static GpuKernels kernels;

    private Pocl() {
    }

    static synchronized OpenClDevice device() {
        OpenClDevices.Discovery d = OpenClDevices.discover();
        List<OpenClDevice> devices = d.devices();
        if (devices.isEmpty()) {
            fail("GPU tests need an OpenCL platform: " + d.summary()
                    + ". Install the CPU driver: apt-get install -y pocl-opencl-icd ocl-icd-libopencl1 clinfo");
        }
        String spec = System.getProperty("specula.gpu.test", "pocl");
        try {
            return GpuSelection.parse(spec).resolve(devices).orElseThrow();
        } catch (GpuSelection.SelectionException e) {
            fail("GPU tests select the PoCL device (install pocl-opencl-icd) or -Dspecula.gpu.test=<device>: "
                    + e.getMessage());
            throw e;
        }
    }

    static synchronized OpenClContext context() {
        if (context == null) {
            context = OpenClContext.create(device());
        }
        return context;
    }

    static synchronized GpuKernels kernels() {
        if (kernels == null) {
            kernels = new GpuKernels(context());
        }
        return kernels;
    }
}
