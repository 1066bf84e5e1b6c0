package dev.specula.service.cli;

import dev.specula.runtime.json.Json;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs on this machine's OpenCL device (PoCL where there is no GPU): the default picks it for a benchmark. */
class GpuBenchCommandTest {

    private static final String[] QUICK = {"devices", "gpu-bench", "--size", "64", "--contexts", "8,40", "--min-ms", "1",
            "--threads", "2"};

    private static String[] with(String... extra) {
        String[] args = Arrays.copyOf(QUICK, QUICK.length + extra.length);
        System.arraycopy(extra, 0, args, QUICK.length, extra.length);
        return args;
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonHasAMeasuredDeviceRowPerKernel() {
        Cli.Run r = Cli.run(with("--json"));
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> doc = Json.parseObject(r.out());
        assertTrue(((String) doc.get("device")).contains("CPU") || ((String) doc.get("device")).contains("GPU"),
                "an OpenCL device was measured: " + doc.get("device"));
        List<Object> rows = (List<Object>) doc.get("rows");
        assertEquals(10, rows.size());
        for (Object o : rows) {
            Map<String, Object> row = (Map<String, Object>) o;
            assertInstanceOf(Number.class, row.get("gpu_gb_per_s"), row.toString());
            assertTrue(((Number) row.get("cpu_gb_per_s")).doubleValue() > 0, row.toString());
            assertTrue(((Number) row.get("max_relative_error")).doubleValue() < 1e-4, row.toString());
        }
        assertEquals("attention", ((Map<String, Object>) rows.get(5)).get("kernel"));
        assertTrue(((String) ((Map<String, Object>) rows.get(6)).get("shape")).startsWith("ctx 40"));
    }

    @Test
    void tableAndMarkdown() {
        Cli.Run text = Cli.run(QUICK);
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().startsWith("KERNEL"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("matvec Q4_0") && l.contains("x  ")), text.out());
        assertTrue(text.err().contains("[gpu-bench] device faster: ") && text.err().contains("matvec F32"), text.err());
        Cli.Run md = Cli.run(with("--markdown", "--gpu", "off"));
        assertEquals(0, md.exit(), md.err());
        assertTrue(md.out().startsWith("| KERNEL |"), md.out());
        assertTrue(md.out().lines().filter(l -> l.startsWith("| matvec")).allMatch(l -> l.endsWith("| - | - | - | - |")),
                "--gpu off measures the CPU only:\n" + md.out());
    }

    @Test
    void badArgumentsAreUserErrors() {
        Cli.Run r = Cli.run(with("--gpu", "no-such-device-xyz"));
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("specula: error: --gpu no-such-device-xyz: no OpenCL device matches"), r.err());
        r = Cli.run("devices", "gpu-bench", "--size", "100");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("multiple of 32"), r.err());
    }
}
