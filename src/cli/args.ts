// Argument parsing for the latchkey CLI (node:util parseArgs), with errors that say what was wrong.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './output.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses argv against the options of one command; unknown flags are usage errors. */
export function parse<T extends Options>(argv: string[], options: T, usage: string) {
  const all = { ...options, json: { type: 'boolean' as const }, help: { type: 'boolean' as const, short: 'h' } };
  try {
    return parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/, '');
    // Ids may start with '-' (e.g. client ids minted elsewhere); parseArgs reads `-Sx0` as the options -S -x -0.
    const option = /^Unknown option '(-[^-][^']*)'/.exec(message)?.[1];
    const unknown = option ? argv.find((arg) => arg.startsWith(option) && !arg.startsWith('--')) : undefined;
    const hint = unknown ? `\nIf ${unknown} is an id rather than an option, put -- before it: latchkey ... -- ${unknown}` : '';
    throw new UsageError(`${message}${hint}\n\nUsage: ${usage}`);
  }
}

/** Reads all of stdin (for --password-stdin); strips one trailing newline. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--password-stdin expects the password on standard input, e.g. `printf %s "$PASSWORD" | latchkey users create ...`.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
