package dev.specula.runtime.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal GGUF metadata reader for tests, giving the representation the runtime's GGUF reader
 * gives: integers of any width as Long, float32 Float, float64 Double, bool Boolean, string String;
 * arrays of strings String[], float32 float[], float64 double[], integers long[], bools boolean[],
 * arrays Object[]. Tensor infos are not read.
 */
final class TestGgufMetadata {
    private TestGgufMetadata() {
    }

    static Map<String, Object> read(Path file) throws IOException {
        ByteBuffer in;
        try (FileChannel ch = FileChannel.open(file)) {
            in = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (in.getInt() != 0x46554747) {
            throw new IOException(file + ": not a GGUF file");
        }
        int version = in.getInt();
        if (version < 2) {
            throw new IOException(file + ": GGUF version " + version + " not supported");
        }
        in.getLong(); // tensor count
        long count = in.getLong();
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < count; i++) {
            String key = string(in);
            metadata.put(key, value(in, in.getInt()));
        }
        return metadata;
    }

    private static String string(ByteBuffer in) {
        byte[] b = new byte[Math.toIntExact(in.getLong())];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer in, int type) {
        return switch (type) {
            case 0 -> (long) in.get() & 0xFF;
            case 1 -> (long) in.get();
            case 2 -> (long) in.getShort() & 0xFFFF;
            case 3 -> (long) in.getShort();
            case 4 -> (long) in.getInt() & 0xFFFFFFFFL;
            case 5 -> (long) in.getInt();
            case 6 -> in.getFloat();
            case 7 -> in.get() != 0;
            case 8 -> string(in);
            case 9 -> array(in);
            case 10, 11 -> in.getLong();
            case 12 -> in.getDouble();
            default -> throw new IllegalStateException("unknown GGUF type " + type);
        };
    }

    private static Object array(ByteBuffer in) {
        int type = in.getInt();
        int n = Math.toIntExact(in.getLong());
        switch (type) {
            case 8 -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = string(in);
                }
                return a;
            }
            case 6 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.getFloat();
                }
                return a;
            }
            case 12 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.getDouble();
                }
                return a;
            }
            case 7 -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.get() != 0;
                }
                return a;
            }
            case 9 -> {
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) {
                    a[i] = array(in);
                }
                return a;
            }
            default -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (Long) value(in, type);
                }
                return a;
            }
        }
    }
}
