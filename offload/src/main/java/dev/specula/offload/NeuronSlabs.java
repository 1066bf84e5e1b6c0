package dev.specula.offload;

import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One layer's cached neurons, preallocated for {@code capacity} slots and laid out so the
 * ordinary kernels run on them: gate and up as {@code capacity} rows of the model's row type, and
 * down as {@code capacity} rows holding each slot's down column, so a token's work is proportional
 * to the neurons it uses: their gate and up rows, then one scaled add of each one's down column.
 */
final class NeuronSlabs implements NeuronWindow.SlotMover {
    private final long rowBytes;
    private final long downBytes;
    private final MemorySegment gate;
    private final MemorySegment up;
    private final MemorySegment down;
    private final Weights gateWeights;
    private final Weights upWeights;
    private final Weights downWeights;

    /** {@code name} prefixes the tensors' names (diagnostics only). */
    NeuronSlabs(Arena arena, String name, int dim, int capacity, GgmlType rowType, GgmlType downType) {
        this.rowBytes = rowType.bytesFor(dim);
        this.downBytes = downType.bytesFor(dim);
        gate = PrivateMemory.allocate(arena, rowBytes * capacity);
        up = PrivateMemory.allocate(arena, rowBytes * capacity);
        down = PrivateMemory.allocate(arena, downBytes * capacity);
        String prefix = name + "_";
        gateWeights = WeightsFactory.of(new Tensor(prefix + "gate", rowType, new long[]{dim, capacity}, gate));
        upWeights = WeightsFactory.of(new Tensor(prefix + "up", rowType, new long[]{dim, capacity}, up));
        downWeights = WeightsFactory.of(new Tensor(prefix + "down", downType, new long[]{dim, capacity}, down));
    }

    /** Bytes one slot takes. */
    static long slotBytes(int dim, GgmlType rowType, GgmlType downType) {
        return 2 * rowType.bytesFor(dim) + downType.bytesFor(dim);
    }

    long bytes() {
        return gate.byteSize() + up.byteSize() + down.byteSize();
    }

    /** Copies the bundle at {@code bundle[offset ..]} into {@code slot}. */
    void store(int slot, MemorySegment bundle, long offset) {
        MemorySegment.copy(bundle, offset, gate, slot * rowBytes, rowBytes);
        MemorySegment.copy(bundle, offset + rowBytes, up, slot * rowBytes, rowBytes);
        MemorySegment.copy(bundle, offset + 2 * rowBytes, down, slot * downBytes, downBytes);
    }

    /** Copies {@code other}'s slot {@code fromSlot} (same types and dim) into {@code toSlot}. */
    void copy(NeuronSlabs other, int fromSlot, int toSlot) {
        MemorySegment.copy(other.gate, fromSlot * rowBytes, gate, toSlot * rowBytes, rowBytes);
        MemorySegment.copy(other.up, fromSlot * rowBytes, up, toSlot * rowBytes, rowBytes);
        MemorySegment.copy(other.down, fromSlot * downBytes, down, toSlot * downBytes, downBytes);
    }

    @Override
    public void move(int fromSlot, int toSlot) {
        copy(this, fromSlot, toSlot);
    }

    Weights gate() {
        return gateWeights;
    }

    Weights up() {
        return upWeights;
    }

    Weights down() {
        return downWeights;
    }
}
