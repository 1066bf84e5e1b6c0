package dev.specula.runtime.training;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LearningRateScheduleTest {

    @Test
    void linearFallsFromThePeakToOneStepsWorthAtTheLast() {
        LearningRateSchedule s = LearningRateSchedule.LINEAR;
        assertEquals(0.01, s.rate(0.01, 1, 100), 1e-15);
        assertEquals(0.005, s.rate(0.01, 51, 100), 1e-15);
        assertEquals(0.0001, s.rate(0.01, 100, 100), 1e-15);
        assertEquals(0.01, s.rate(0.01, 1, 1), 1e-15);
    }

    @Test
    void constantKeepsTheRate() {
        assertEquals(0.01, LearningRateSchedule.CONSTANT.rate(0.01, 1, 100));
        assertEquals(0.01, LearningRateSchedule.CONSTANT.rate(0.01, 100, 100));
    }

    @Test
    void parsesLabelsAndNamesTheChoicesOtherwise() {
        assertEquals(LearningRateSchedule.LINEAR, LearningRateSchedule.parse(" Linear "));
        assertEquals(LearningRateSchedule.CONSTANT, LearningRateSchedule.parse("constant"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("cos"));
        assertEquals("unknown learning-rate schedule 'cos': linear or constant", e.getMessage());
    }
}
