package dev.specula.gpu;

import java.util.Locale;

/**
 * One OpenCL device as discovered at startup.
 *
 * @param index             position in {@link OpenClDevices#list()} (what {@code --gpu <index>} refers to)
 * @param platformName      e.g. "Portable Computing Language", "ARM Platform", "QUALCOMM Snapdragon(TM)"
 * @param platformVersion   e.g. "OpenCL 3.0 PoCL 3.1 ..."
 * @param name              device name
 * @param vendor            device vendor
 * @param type              CPU, GPU, accelerator or other
 * @param computeUnits      CL_DEVICE_MAX_COMPUTE_UNITS
 * @param globalMemBytes    CL_DEVICE_GLOBAL_MEM_SIZE
 * @param localMemBytes     CL_DEVICE_LOCAL_MEM_SIZE
 * @param maxAllocBytes     CL_DEVICE_MAX_MEM_ALLOC_SIZE (largest single buffer)
 * @param maxWorkGroupSize  CL_DEVICE_MAX_WORK_GROUP_SIZE
 * @param hostUnifiedMemory CL_DEVICE_HOST_UNIFIED_MEMORY: shares memory with the CPU (integrated GPU, CPU device)
 * @param openClCVersion    e.g. "OpenCL C 1.2 PoCL"
 * @param fp16              device supports cl_khr_fp16 arithmetic (the kernels never require it)
 * @param driverVersion     CL_DRIVER_VERSION
 * @param platformId        cl_platform_id handle (valid for the life of the process)
 * @param deviceId          cl_device_id handle
 */
public record OpenClDevice(int index, String platformName, String platformVersion, String name, String vendor,
                           Type type, int computeUnits, long globalMemBytes, long localMemBytes, long maxAllocBytes,
                           long maxWorkGroupSize, boolean hostUnifiedMemory, String openClCVersion, boolean fp16,
                           String driverVersion, long platformId, long deviceId) {

    public enum Type { CPU, GPU, ACCELERATOR, OTHER }

    public boolean isGpu() {
        return type == Type.GPU;
    }

    /** One line: {@code #0 GPU "Mali-G710" (ARM, ARM Platform) 10 CUs, 7.6 GiB unified, OpenCL C 3.0, fp16}. */
    public String describe() {
        return String.format(Locale.ROOT, "#%d %s \"%s\" (%s, %s) %d CUs, %s %s, local %d KiB, %s%s",
                index, type, name, vendor, platformName, computeUnits, gib(globalMemBytes),
                hostUnifiedMemory ? "unified" : "dedicated", localMemBytes / 1024, openClCVersion, fp16 ? ", fp16" : "");
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    @Override
    public String toString() {
        return describe();
    }
}
