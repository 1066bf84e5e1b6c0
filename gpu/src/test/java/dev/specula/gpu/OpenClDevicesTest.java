package dev.specula.gpu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenClDevicesTest {

    private static void assertAbsent(OpenClDevices.Discovery d) {
        assertTrue(d.devices().isEmpty());
        assertFalse(d.available());
        assertTrue(d.summary().startsWith("no OpenCL platform"), d.summary());
        assertFalse(d.summary().contains("\n"), "one line: " + d.summary());
    }

    @Test
    void missingLibraryBecomesEmptyList() {
        OpenClDevices.Discovery d = OpenClDevices.discover(() -> {
            throw new UnsatisfiedLinkError("Failed to locate library: libOpenCL.so.1");
        });
        assertAbsent(d);
        assertTrue(d.summary().contains("libOpenCL.so.1"), d.summary());
    }

    @Test
    void failedClassInitialisationBecomesEmptyList() {
        assertAbsent(OpenClDevices.discover(() -> {
            throw new ExceptionInInitializerError(new IllegalStateException("no CL"));
        }));
        assertAbsent(OpenClDevices.discover(() -> {
            throw new NoClassDefFoundError("Could not initialize class org.lwjgl.opencl.CL");
        }));
    }

    @Test
    void noIcdBecomesEmptyList() {
        OpenClDevices.Discovery d = OpenClDevices.discover(() -> {
            throw new OpenClException("clGetPlatformIDs failed", OpenClDevices.PLATFORM_NOT_FOUND);
        });
        assertAbsent(d);
        assertTrue(d.summary().contains("no ICD"), d.summary());
    }

    @Test
    void otherFailuresAndNoDevicesBecomeEmptyList() {
        assertAbsent(OpenClDevices.discover(() -> {
            throw new IllegalStateException("driver crashed");
        }));
        assertAbsent(OpenClDevices.discover(List::of));
    }

    @Test
    void realDiscoveryFindsPocl() {
        OpenClDevice d = Pocl.device();
        assertTrue(OpenClDevices.discover().summary().startsWith("OpenCL devices: "));
        assertEquals(d, OpenClDevices.list().get(d.index()));
        assertTrue(d.computeUnits() > 0);
        assertTrue(d.globalMemBytes() > 0);
        assertTrue(d.localMemBytes() > 0);
        assertTrue(d.maxWorkGroupSize() > 0);
        assertTrue(d.maxAllocBytes() > 0);
        assertTrue(d.openClCVersion().startsWith("OpenCL C"), d.openClCVersion());
        assertFalse(d.name().isEmpty());
        System.out.println("[gpu] " + OpenClDevices.discover().summary());
    }
}
