package dev.specula.runtime.training;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingDataTest {
    private static Model model;
    private static Tokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        model = RandomModels.stories260K();
        tokenizer = model.tokenizer();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void textIsCutIntoWindowsThatStartWithBos() throws IOException {
        String text = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";
        List<TrainingExample> examples = TrainingData.load(write("a.txt", text), tokenizer, 8);
        int[] all = tokenizer.encode(text);
        int[] joined = new int[0];
        for (TrainingExample e : examples) {
            assertEquals(tokenizer.bos(), e.tokens()[0]);
            assertTrue(e.tokens().length <= 8);
            assertEquals(1, e.firstTarget());
            int[] body = Arrays.copyOfRange(e.tokens(), 1, e.tokens().length);
            int[] grown = Arrays.copyOf(joined, joined.length + body.length);
            System.arraycopy(body, 0, grown, joined.length, body.length);
            joined = grown;
        }
        assertArrayEquals(all, joined, "the windows cover the text in order, once");
    }

    @Test
    void jsonlScoresOnlyTheCompletion() throws IOException {
        Path file = write("b.jsonl", """
                {"prompt": "Lily had a cat. The cat was", "completion": " happy."}

                {"text": "Tom saw a dog."}
                """);
        List<TrainingExample> examples = TrainingData.load(file, tokenizer, 64);
        assertEquals(2, examples.size());
        TrainingExample pc = examples.get(0);
        int[] prompt = tokenizer.encode("Lily had a cat. The cat was");
        assertEquals(prompt.length + 1, pc.firstTarget(), "BOS + prompt tokens are context only");
        String completion = tokenizer.decode(Arrays.copyOfRange(pc.tokens(), pc.firstTarget(), pc.tokens().length));
        assertEquals("happy.", completion.strip());
        assertEquals(1, examples.get(1).firstTarget());
    }

    @Test
    void badInputNamesTheFileAndLine() throws IOException {
        Path file = write("c.jsonl", "{\"text\": \"fine\"}\n{\"prompt\": \"no completion\"}\n");
        SpeculaException e = assertThrows(SpeculaException.class, () -> TrainingData.load(file, tokenizer, 64));
        assertTrue(e.getMessage().contains("c.jsonl:2") && e.getMessage().contains("completion"), e.getMessage());
        Path notJson = write("d.jsonl", "{\"text\": \n");
        assertTrue(assertThrows(SpeculaException.class, () -> TrainingData.load(notJson, tokenizer, 64))
                .getMessage().contains("d.jsonl:1"));
        Path other = write("e.csv", "a,b");
        assertTrue(assertThrows(SpeculaException.class, () -> TrainingData.load(other, tokenizer, 64))
                .getMessage().contains(".txt or .jsonl"));
    }
}
