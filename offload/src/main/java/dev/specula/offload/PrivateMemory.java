package dev.specula.offload;

import dev.specula.runtime.SpeculaException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writable memory for weights that the kernels read beside the memory-mapped model. It is a private
 * (copy-on-write) mapping of a sparse, already deleted temporary file, so it behaves like anonymous
 * memory (written pages are never flushed) but is the same MemorySegment class as the mapped model.
 * That matters: kernels whose Vector API loads see two segment classes stop being intrinsified and
 * fall back to allocating vector objects; measured on a 1024-dim Q8_0 model, plain Arena memory for
 * the neuron caches made the whole forward pass about 10 times slower and filled the heap with garbage.
 */
final class PrivateMemory {
    private PrivateMemory() {
    }

    /** {@code bytes} of zeroed, page-aligned memory, unmapped when {@code arena} closes. */
    static MemorySegment allocate(Arena arena, long bytes) {
        try {
            Path file = Files.createTempFile("specula-cache", ".mem");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ch.truncate(0);
                if (bytes > 0) {
                    ch.write(java.nio.ByteBuffer.allocate(1), Math.max(0, bytes - 1));
                }
                return ch.map(FileChannel.MapMode.PRIVATE, 0, Math.max(bytes, 1), arena).asSlice(0, bytes);
            } finally {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new SpeculaException("cannot reserve " + bytes + " bytes for the neuron cache: " + e.getMessage());
        }
    }
}
