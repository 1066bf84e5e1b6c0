package dev.specula.offload;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/** CRC32C of memory segments, in pieces small enough for a ByteBuffer view. */
final class Checksums {
    private static final long PIECE = 1L << 30;

    private Checksums() {
    }

    static void update(CRC32C crc, MemorySegment data) {
        for (long off = 0; off < data.byteSize(); off += PIECE) {
            crc.update(data.asSlice(off, Math.min(PIECE, data.byteSize() - off)).asByteBuffer());
        }
    }

    static long of(MemorySegment data) {
        CRC32C crc = new CRC32C();
        update(crc, data);
        return crc.getValue();
    }
}
