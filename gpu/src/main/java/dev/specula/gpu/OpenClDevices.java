package dev.specula.gpu;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.opencl.CL11;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Discovers OpenCL platforms and devices. Never throws: without an OpenCL loader, or with a loader
 * but no installed driver (ICD), the list is empty and {@link #discover()} says why in one line.
 */
public final class OpenClDevices {

    private static final System.Logger LOG = System.getLogger(OpenClDevices.class.getName());
    /** CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no driver. */
    static final int PLATFORM_NOT_FOUND = -1001;

    /** Result of discovery: the devices, and a one-line summary fit for a log or a CLI. */
    public record Discovery(List<OpenClDevice> devices, String summary) {
        public Discovery {
            devices = List.copyOf(devices);
        }

        public boolean available() {
            return !devices.isEmpty();
        }
    }

    private static volatile Discovery cached;

    private OpenClDevices() {
    }

    /** The OpenCL devices of this machine (cached after the first call); empty when OpenCL is absent. */
    public static List<OpenClDevice> list() {
        return discover().devices();
    }

    /** Discovery with its summary line (cached after the first call, logged once). */
    public static Discovery discover() {
        Discovery d = cached;
        if (d == null) {
            synchronized (OpenClDevices.class) {
                d = cached;
                if (d == null) {
                    d = discover(OpenClDevices::probe);
                    LOG.log(System.Logger.Level.DEBUG, d.summary());
                    cached = d;
                }
            }
        }
        return d;
    }

    /**
     * Runs {@code probe} and maps every way OpenCL can be missing (no loader library: UnsatisfiedLinkError;
     * the LWJGL class failing to initialise: ExceptionInInitializerError / NoClassDefFoundError; no ICD:
     * CL_PLATFORM_NOT_FOUND_KHR; any other failure) to an empty device list with an explanation.
     */
    static Discovery discover(Callable<List<OpenClDevice>> probe) {
        List<OpenClDevice> devices;
        try {
            devices = probe.call();
        } catch (LinkageError e) {
            return new Discovery(List.of(), "no OpenCL platform: the OpenCL library could not be loaded ("
                    + oneLine(e) + "); install an OpenCL driver (e.g. ocl-icd-libopencl1 plus a vendor ICD) to use a GPU");
        } catch (OpenClException e) {
            if (e.code() == PLATFORM_NOT_FOUND) {
                return new Discovery(List.of(), "no OpenCL platform: the OpenCL loader found no driver (no ICD installed)");
            }
            return new Discovery(List.of(), "no OpenCL platform: device discovery failed (" + oneLine(e) + ")");
        } catch (Exception e) {
            return new Discovery(List.of(), "no OpenCL platform: device discovery failed (" + oneLine(e) + ")");
        }
        if (devices.isEmpty()) {
            return new Discovery(devices, "no OpenCL platform: OpenCL is installed but reports no device");
        }
        StringBuilder sb = new StringBuilder("OpenCL devices: ");
        for (int i = 0; i < devices.size(); i++) {
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(devices.get(i).describe());
        }
        return new Discovery(devices, sb.toString());
    }

    private static String oneLine(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                sb.append(": ").append(t.getMessage().lines().findFirst().orElse(""));
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    /**
     * Debian/Ubuntu ship only the versioned loader name {@code libOpenCL.so.1} (the unversioned one comes
     * with -dev packages), which LWJGL would not find by default. Unless the user configured a name, use it.
     */
    static void configureLibraryName() {
        if (System.getProperty("org.lwjgl.opencl.libname") == null
                && System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            Configuration.OPENCL_LIBRARY_NAME.set("libOpenCL.so.1");
        }
    }

    /** Queries every platform and device. Throws when OpenCL is unusable; see {@link #discover(Callable)}. */
    static List<OpenClDevice> probe() {
        configureLibraryName();
        List<OpenClDevice> out = new ArrayList<>();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer count = stack.mallocInt(1);
            int err = CL10.clGetPlatformIDs(null, count);
            if (err == PLATFORM_NOT_FOUND || (err == 0 && count.get(0) == 0)) {
                return out;
            }
            OpenClException.check(err, "clGetPlatformIDs");
            PointerBuffer platforms = stack.mallocPointer(count.get(0));
            OpenClException.check(CL10.clGetPlatformIDs(platforms, (IntBuffer) null), "clGetPlatformIDs");
            for (int p = 0; p < platforms.capacity(); p++) {
                long platform = platforms.get(p);
                String platformName = platformString(platform, CL10.CL_PLATFORM_NAME);
                String platformVersion = platformString(platform, CL10.CL_PLATFORM_VERSION);
                IntBuffer n = stack.mallocInt(1);
                err = CL10.clGetDeviceIDs(platform, CL10.CL_DEVICE_TYPE_ALL, null, n);
                if (err == CL10.CL_DEVICE_NOT_FOUND || (err == 0 && n.get(0) == 0)) {
                    continue;
                }
                OpenClException.check(err, "clGetDeviceIDs");
                PointerBuffer ids = stack.mallocPointer(n.get(0));
                OpenClException.check(CL10.clGetDeviceIDs(platform, CL10.CL_DEVICE_TYPE_ALL, ids, (IntBuffer) null),
                        "clGetDeviceIDs");
                for (int d = 0; d < ids.capacity(); d++) {
                    out.add(describe(out.size(), platform, platformName, platformVersion, ids.get(d)));
                }
            }
        }
        return out;
    }

    private static OpenClDevice describe(int index, long platform, String platformName, String platformVersion,
                                         long device) {
        long typeBits = deviceLong(device, CL10.CL_DEVICE_TYPE);
        OpenClDevice.Type type = (typeBits & CL10.CL_DEVICE_TYPE_GPU) != 0 ? OpenClDevice.Type.GPU
                : (typeBits & CL10.CL_DEVICE_TYPE_CPU) != 0 ? OpenClDevice.Type.CPU
                : (typeBits & CL10.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? OpenClDevice.Type.ACCELERATOR
                : OpenClDevice.Type.OTHER;
        String extensions = deviceString(device, CL10.CL_DEVICE_EXTENSIONS);
        String cVersion;
        try {
            cVersion = deviceString(device, CL11.CL_DEVICE_OPENCL_C_VERSION);
        } catch (OpenClException e) { // OpenCL 1.0 devices
            cVersion = "OpenCL C 1.0";
        }
        boolean unified;
        try {
            unified = deviceInt(device, CL11.CL_DEVICE_HOST_UNIFIED_MEMORY) != 0;
        } catch (OpenClException e) {
            unified = false;
        }
        return new OpenClDevice(index, platformName, platformVersion,
                deviceString(device, CL10.CL_DEVICE_NAME), deviceString(device, CL10.CL_DEVICE_VENDOR), type,
                deviceInt(device, CL10.CL_DEVICE_MAX_COMPUTE_UNITS),
                deviceLong(device, CL10.CL_DEVICE_GLOBAL_MEM_SIZE),
                deviceLong(device, CL10.CL_DEVICE_LOCAL_MEM_SIZE),
                deviceLong(device, CL10.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                devicePointer(device, CL10.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                unified, cVersion, extensions.contains("cl_khr_fp16"),
                deviceString(device, CL10.CL_DRIVER_VERSION), platform, device);
    }

    static String platformString(long platform, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            OpenClException.check(CL10.clGetPlatformInfo(platform, param, (ByteBuffer) null, size), "clGetPlatformInfo");
            ByteBuffer buf = MemoryUtil.memAlloc((int) size.get(0));
            try {
                OpenClException.check(CL10.clGetPlatformInfo(platform, param, buf, null), "clGetPlatformInfo");
                return cString(buf);
            } finally {
                MemoryUtil.memFree(buf);
            }
        }
    }

    static String deviceString(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            OpenClException.check(CL10.clGetDeviceInfo(device, param, (ByteBuffer) null, size), "clGetDeviceInfo");
            ByteBuffer buf = MemoryUtil.memAlloc((int) size.get(0));
            try {
                OpenClException.check(CL10.clGetDeviceInfo(device, param, buf, null), "clGetDeviceInfo");
                return cString(buf);
            } finally {
                MemoryUtil.memFree(buf);
            }
        }
    }

    private static String cString(ByteBuffer buf) {
        int len = 0;
        while (len < buf.limit() && buf.get(len) != 0) {
            len++;
        }
        return MemoryUtil.memUTF8(buf, len).strip();
    }

    static long deviceLong(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            LongBuffer v = stack.callocLong(1);
            OpenClException.check(CL10.clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }

    static int deviceInt(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer v = stack.callocInt(1);
            OpenClException.check(CL10.clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }

    static long devicePointer(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer v = stack.callocPointer(1);
            OpenClException.check(CL10.clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }
}
