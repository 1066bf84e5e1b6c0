package dev.specula.runtime.tokenizer;

import java.util.Arrays;

/** A growable int array: token output without boxing. */
final class IntList {
    private int[] data = new int[16];
    private int size;

    void add(int value) {
        if (size == data.length) {
            data = Arrays.copyOf(data, size * 2);
        }
        data[size++] = value;
    }

    void addAll(int[] values) {
        for (int v : values) {
            add(v);
        }
    }

    int size() {
        return size;
    }

    int get(int i) {
        return data[i];
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
