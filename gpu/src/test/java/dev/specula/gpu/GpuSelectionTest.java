package dev.specula.gpu;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpuSelectionTest {

    static OpenClDevice dev(int index, String name, String platform, OpenClDevice.Type type, int cus, boolean unified) {
        String version = platform.startsWith("Portable") ? "OpenCL 3.0 PoCL 3.1+debian" : "OpenCL 3.0 " + platform;
        return new OpenClDevice(index, platform, version, name, "vendor-" + name, type, cus,
                8L << 30, 64 << 10, 2L << 30, 1024, unified, "OpenCL C 3.0", true, "1.0", 0, 0);
    }

    static final OpenClDevice POCL = dev(0, "pthread-haswell", "Portable Computing Language", OpenClDevice.Type.CPU, 2, true);
    static final OpenClDevice MALI = dev(1, "Mali-G710", "ARM Platform", OpenClDevice.Type.GPU, 10, true);
    static final OpenClDevice ADRENO = dev(2, "Adreno 740", "QUALCOMM Snapdragon", OpenClDevice.Type.GPU, 12, true);
    static final OpenClDevice H200 = dev(3, "NVIDIA H200", "NVIDIA CUDA", OpenClDevice.Type.GPU, 132, false);

    @Test
    void parses() {
        assertEquals(new GpuSelection.Auto(), GpuSelection.parse("auto"));
        assertEquals(new GpuSelection.Auto(), GpuSelection.parse(" AUTO "));
        assertEquals(new GpuSelection.Off(), GpuSelection.parse("off"));
        assertEquals(new GpuSelection.Off(), GpuSelection.parse("none"));
        assertEquals(new GpuSelection.Index(0), GpuSelection.parse("0"));
        assertEquals(new GpuSelection.Index(12), GpuSelection.parse("12"));
        assertEquals(new GpuSelection.Name("Mali"), GpuSelection.parse("Mali"));
        assertEquals(new GpuSelection.Name("adreno 740"), GpuSelection.parse("adreno 740"));
    }

    @Test
    void parseErrors() {
        assertThrows(GpuSelection.SelectionException.class, () -> GpuSelection.parse(""));
        assertThrows(GpuSelection.SelectionException.class, () -> GpuSelection.parse("  "));
        assertThrows(GpuSelection.SelectionException.class, () -> GpuSelection.parse(null));
        assertThrows(GpuSelection.SelectionException.class, () -> GpuSelection.parse("-1"));
        assertThrows(GpuSelection.SelectionException.class, () -> GpuSelection.parse("99999999999999"));
    }

    @Test
    void autoPrefersTheLargestIntegratedGpuAndNeverACpuDevice() {
        assertEquals(Optional.of(ADRENO), GpuSelection.parse("auto").resolve(List.of(POCL, MALI, ADRENO)));
        assertEquals(Optional.of(MALI), GpuSelection.parse("auto").resolve(List.of(POCL, MALI)));
        assertEquals(Optional.empty(), GpuSelection.parse("auto").resolve(List.of(POCL)));
        assertEquals(Optional.empty(), GpuSelection.parse("auto").resolve(List.of()));
        assertEquals(Optional.empty(), GpuSelection.parse("off").resolve(List.of(POCL, MALI)));
    }

    @Test
    void autoLeavesDiscreteGpusToAnExplicitSelection() {
        assertEquals(Optional.of(MALI), GpuSelection.parse("auto").resolve(List.of(POCL, H200, MALI)));
        assertEquals(Optional.empty(), GpuSelection.parse("auto").resolve(List.of(POCL, H200)));
        assertEquals(Optional.of(H200), GpuSelection.parse("nvidia").resolve(List.of(POCL, H200, MALI)));
        assertEquals(Optional.of(H200), GpuSelection.parse("1").resolve(List.of(POCL, H200, MALI)));
    }

    @Test
    void explicitSelectionMayPickACpuDevice() {
        assertEquals(Optional.of(POCL), GpuSelection.parse("0").resolve(List.of(POCL, MALI)));
        assertEquals(Optional.of(POCL), GpuSelection.parse("portable").resolve(List.of(POCL, MALI)));
        assertEquals(Optional.of(POCL), GpuSelection.parse("pocl").resolve(List.of(POCL, MALI)));
        assertEquals(Optional.of(MALI), GpuSelection.parse("mali").resolve(List.of(POCL, MALI)));
        assertEquals(Optional.of(ADRENO), GpuSelection.parse("2").resolve(List.of(POCL, MALI, ADRENO)));
    }

    @Test
    void noMatchListsTheAvailableDevices() {
        var e = assertThrows(GpuSelection.SelectionException.class,
                () -> GpuSelection.parse("nvidia").resolve(List.of(POCL, MALI)));
        assertTrue(e.getMessage().contains("no OpenCL device matches \"nvidia\""), e.getMessage());
        assertTrue(e.getMessage().contains("pthread-haswell") && e.getMessage().contains("Mali-G710"), e.getMessage());

        var i = assertThrows(GpuSelection.SelectionException.class,
                () -> GpuSelection.parse("5").resolve(List.of(POCL, MALI)));
        assertTrue(i.getMessage().contains("index 5") && i.getMessage().contains("Mali-G710"), i.getMessage());

        var none = assertThrows(GpuSelection.SelectionException.class,
                () -> GpuSelection.parse("mali").resolve(List.of()));
        assertTrue(none.getMessage().contains("no OpenCL platform"), none.getMessage());
    }

    @Test
    void ambiguousNameAsksForAnIndex() {
        var e = assertThrows(GpuSelection.SelectionException.class,
                () -> GpuSelection.parse("vendor").resolve(List.of(POCL, MALI)));
        assertTrue(e.getMessage().contains("matches 2") && e.getMessage().contains("by index"), e.getMessage());
    }
}
