// Security rule (issue 4, item 6; OWASP ASVS 4.0 V2.2.1 / WSTG-ATHN-04, no account enumeration through timing):
// every failed sign-in takes as long as a failed first sign-in of an imported account. Checking all legacy
// hashes of such an account (bcrypt, PBKDF2 with many iterations...) takes far longer than the Argon2 dummy
// an unknown email costs, so without this the time would tell which emails were imported and not yet signed
// in. Failures are padded (by waiting, not by burning CPU) to the 90th percentile of the recent legacy checks.
// The floor is calibrated once per process before the first failure is answered, by timing the check of one
// imported account's hashes against a random password.

/** How many recent legacy checks the floor is taken from. */
const WINDOW = 100;
/** The floor never exceeds this (a stalled check must not make every failure wait). */
const MAX_FLOOR_MS = 3000;

export interface FailureTimingOptions {
  /** Times one legacy check against a random password, for the calibration; undefined when nothing is imported. */
  calibrate: () => Promise<number | undefined>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Pads failed sign-ins to the time a failed legacy first sign-in takes. */
export function createFailureTiming(options: FailureTimingOptions) {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const recent: number[] = [];
  let calibration: Promise<void> | undefined;

  const remember = (ms: number) => {
    recent.push(Math.min(ms, MAX_FLOOR_MS));
    if (recent.length > WINDOW) recent.shift();
  };
  const floor = () => {
    if (recent.length === 0) return 0;
    const sorted = [...recent].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!;
  };

  return {
    /** The moment a sign-in check starts (pass it to failed()). */
    start: () => now(),

    /** Records how long a legacy first-sign-in check took (whatever its outcome). */
    legacyChecked(startedAt: number): void {
      remember(now() - startedAt);
    },

    /** Called before answering a failed sign-in: waits until it has taken as long as a failed legacy check. */
    async failed(startedAt: number): Promise<void> {
      calibration ??= options.calibrate().then((ms) => {
        if (ms !== undefined) remember(ms);
      }, () => {});
      await calibration;
      const wait = floor() - (now() - startedAt);
      if (wait > 1) await sleep(wait);
    },

    /** The current floor in milliseconds (for the benchmark and tests). */
    floorMs: floor,
  };
}
export type FailureTiming = ReturnType<typeof createFailureTiming>;
