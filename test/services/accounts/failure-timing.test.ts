// The failed-sign-in time floor (src/services/accounts/failure-timing.ts): an unknown email or a wrong password
// must take as long as a failed first sign-in of an imported account, whose legacy hashes are slow to check.
// Driven with a fake clock: the test asserts how long each failure is made to wait, not wall-clock time.
import { describe, expect, it } from '@jest/globals';
import { createFailureTiming } from '../../../src/services/accounts/failure-timing.js';

function fakeClock() {
  let t = 0;
  const waits: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    sleep: async (ms: number) => {
      waits.push(Math.round(ms));
      t += ms;
    },
    waits,
  };
}

describe('failed sign-in timing', () => {
  it('pads a fast failure (unknown email) to the time the calibration measured for a legacy check', async () => {
    const clock = fakeClock();
    let calibrations = 0;
    const timing = createFailureTiming({ now: clock.now, sleep: clock.sleep, calibrate: async () => { calibrations += 1; return 280; } });
    const started = timing.start();
    clock.advance(20); // the Argon2 dummy
    await timing.failed(started);
    expect(clock.waits).toEqual([260]);
    expect(clock.now() - started).toBe(280);
    // Calibrated once per process.
    await timing.failed(timing.start());
    expect(calibrations).toBe(1);
  });

  it('follows the legacy checks it sees: the floor is their 90th percentile, and slower failures are not delayed', async () => {
    const clock = fakeClock();
    const timing = createFailureTiming({ now: clock.now, sleep: clock.sleep, calibrate: async () => undefined });
    for (const ms of [100, 110, 120, 130, 140, 150, 160, 170, 180, 500]) {
      const started = timing.start();
      clock.advance(ms);
      timing.legacyChecked(started);
    }
    expect(timing.floorMs()).toBe(500);
    for (let i = 0; i < 10; i++) {
      const started = timing.start();
      clock.advance(150);
      timing.legacyChecked(started);
    }
    // One outlier among twenty no longer sets the floor.
    expect(timing.floorMs()).toBe(180);
    const slow = timing.start();
    clock.advance(400);
    clock.waits.length = 0;
    await timing.failed(slow);
    expect(clock.waits).toEqual([]);
  });

  it('without imported accounts nothing waits, and a stalled check is capped at 3 s', async () => {
    const clock = fakeClock();
    const timing = createFailureTiming({ now: clock.now, sleep: clock.sleep, calibrate: async () => undefined });
    await timing.failed(timing.start());
    expect(clock.waits).toEqual([]);
    const started = timing.start();
    clock.advance(60_000);
    timing.legacyChecked(started);
    expect(timing.floorMs()).toBe(3000);
  });

  it('a failing calibration (database down) does not fail the sign-in', async () => {
    const clock = fakeClock();
    const timing = createFailureTiming({ now: clock.now, sleep: clock.sleep, calibrate: async () => { throw new Error('down'); } });
    await expect(timing.failed(timing.start())).resolves.toBeUndefined();
  });
});
