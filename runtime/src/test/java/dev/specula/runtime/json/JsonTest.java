package dev.specula.runtime.json;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Map<String, Object> m = Json.parseObject(
                "{\"a\": 1, \"b\": -2.5e3, \"c\": \"x\\u00e9\\n\\\"\", \"d\": [true, false, null], \"e\": {}, \"f\": 9999999999999999999}");
        assertEquals(1L, m.get("a"));
        assertEquals(-2500.0, m.get("b"));
        assertEquals("x\u00e9\n\"", m.get("c"));
        assertEquals(java.util.Arrays.asList(true, false, null), m.get("d"));
        assertEquals(Map.of(), m.get("e"));
        assertEquals(9.999999999999999e18, m.get("f"));
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), List.copyOf(m.keySet()), "order is kept");
        assertNull(Json.parse("null"));
    }

    @Test
    void errorsNameTheOffset() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\"a\": [1, 2,, 3]}"));
        assertTrue(e.getMessage().contains("offset 12"), e.getMessage());
        e = assertThrows(JsonException.class, () -> Json.parse("{\"a\": 1"));
        assertTrue(e.getMessage().contains("end of input"), e.getMessage());
        e = assertThrows(JsonException.class, () -> Json.parse("[1] x"));
        assertTrue(e.getMessage().contains("after the JSON value"), e.getMessage());
        assertThrows(JsonException.class, () -> Json.parse("\"\\q\""));
        assertThrows(JsonException.class, () -> Json.parseObject("[1]"));
        e = assertThrows(JsonException.class, () -> Json.parse("[".repeat(100_000)));
        assertTrue(e.getMessage().contains("nesting"), e.getMessage());
        assertEquals(List.of(List.of(List.of())), Json.parse("[[[]]]"));
    }
}
