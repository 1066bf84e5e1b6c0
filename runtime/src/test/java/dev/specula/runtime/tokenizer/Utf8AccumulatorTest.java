package dev.specula.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Utf8AccumulatorTest {

    @Test
    void holdsBackSplitCharactersUntilComplete() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // 3 bytes
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8); // 4 bytes
        Utf8Accumulator acc = new Utf8Accumulator();
        assertEquals("a", acc.append(new byte[]{'a', euro[0]}));
        assertEquals("", acc.append(new byte[]{euro[1]}));
        assertEquals("€b", acc.append(new byte[]{euro[2], 'b'}));
        assertEquals("", acc.append(new byte[]{emoji[0], emoji[1], emoji[2]}));
        assertEquals("😀", acc.append(new byte[]{emoji[3]}));
        assertEquals("", acc.flush());
    }

    @Test
    void flushReplacesAnUnfinishedCharacter() {
        Utf8Accumulator acc = new Utf8Accumulator();
        assertEquals("x", acc.append(new byte[]{'x', (byte) 0xE2, (byte) 0x82}));
        assertEquals("\uFFFD", acc.flush());
    }
}
