package dev.specula.service.http;

import dev.specula.runtime.json.Json;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonWriterTest {

    @Test
    void writesWhatTheIndependentParserReadsBack() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "quote \" backslash \\ newline \n tab \t bell \u0007 é 😀");
        value.put("int", 42);
        value.put("long", -7L);
        value.put("double", 0.25);
        value.put("tiny", 1.5e-9);
        value.put("whole", 3.0);
        value.put("bool", true);
        value.put("none", null);
        value.put("list", List.of("a", 1L));
        value.put("doubles", new double[] {1.5, -2});
        value.put("ints", new int[] {255, 0});
        Map<?, ?> back = (Map<?, ?>) Json.parse(JsonWriter.write(value));
        assertEquals(value.get("text"), back.get("text"));
        assertEquals(42L, back.get("int"));
        assertEquals(-7L, back.get("long"));
        assertEquals(0.25, back.get("double"));
        assertEquals(1.5e-9, back.get("tiny"));
        assertEquals(3.0, back.get("whole"));
        assertEquals(true, back.get("bool"));
        assertEquals(null, back.get("none"));
        assertEquals(true, back.containsKey("none"));
        assertEquals(List.of("a", 1L), back.get("list"));
        assertEquals(List.of(1.5, -2.0), back.get("doubles"));
        assertEquals(List.of(255L, 0L), back.get("ints"));
        assertEquals(List.copyOf(value.keySet()), List.copyOf(back.keySet()), "order is kept");
    }

    @Test
    void nonFiniteNumbersBecomeNull() {
        assertEquals("[null,null,1.0]", JsonWriter.write(Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY, 1.0)));
    }
}
