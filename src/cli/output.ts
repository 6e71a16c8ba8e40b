// CLI output and errors: human-readable by default, JSON with --json; usage errors exit 2, failures 1.

/** A mistake in how the command was called; printed with a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Output {
  json: boolean;
  /** Prints a result: `data` as JSON with --json, otherwise the human lines. */
  result(data: unknown, human: string | string[]): void;
}

/** Output to stdout honouring --json. */
export function createOutput(json: boolean, write: (s: string) => void = (s) => process.stdout.write(s)): Output {
  return {
    json,
    result(data, human) {
      write(json ? `${JSON.stringify(data, null, 2)}\n` : `${Array.isArray(human) ? human.join('\n') : human}\n`);
    },
  };
}

/** Formats key/value rows aligned for a terminal. */
export function table(rows: [string, unknown][]): string[] {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${Array.isArray(v) ? v.join(', ') || '-' : v === undefined || v === null || v === '' ? '-' : String(v)}`);
}
