// Usage mistakes: a clear message naming what was wrong, the usage, exit 2, no stack trace, and no
// database touched (the processes get an unreachable DATABASE_URL: opening it would fail with exit 1).
// Plus unit tests of the argument parser.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/output.js';
import { createSandbox, expectJsonRefusal, expectRefusal, expectSuccess, latchkey, STACK_TRACE, type Sandbox } from './helpers.js';

describe('latchkey usage mistakes (exit 2, database untouched)', () => {
  let sandbox: Sandbox;
  const run = (args: string[], input?: string) => latchkey(args, { env: sandbox.env, input });

  beforeAll(async () => {
    sandbox = await createSandbox({ DATABASE_URL: 'postgres://latchkey@127.0.0.1:1/unreachable' });
  });
  afterAll(async () => sandbox?.remove());

  it('no command prints the usage on stderr and exits 2', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Usage:[\s\S]*latchkey start[\s\S]*latchkey clients create[\s\S]*latchkey users create[\s\S]*latchkey keys rotate/);
    expect(result.stdout).toBe('');
  });

  it('--help prints the usage on stdout and exits 0, for the CLI and for a command', async () => {
    const [top, help, sub, short] = await Promise.all([run(['--help']), run(['help']), run(['clients', 'create', '--help']), run(['users', '-h'])]);
    for (const result of [top!, help!, sub!, short!]) expectSuccess(result);
    expect(top!.stdout).toMatch(/latchkey users create --email EMAIL --password-stdin/);
    expect(help!.stdout).toBe(top!.stdout);
    expect(sub!.stdout).toMatch(/^Usage: latchkey clients create --name NAME --redirect-uri URI/);
    expect(sub!.stdout).not.toMatch(/latchkey users/);
    expect(short!.stdout).toMatch(/^Usage: latchkey users create/);
  });

  it('an unknown command or subcommand is named', async () => {
    const [command, clients, users, keys] = await Promise.all([run(['frobnicate']), run(['clients', 'frobnicate']), run(['users']), run(['keys', 'frobnicate', '--json'])]);
    expectRefusal(command!, 2, /^latchkey: Unknown command frobnicate\.\n[\s\S]*Usage:/);
    expectRefusal(clients!, 2, /Unknown clients command frobnicate\.[\s\S]*Usage: latchkey clients create/);
    expectRefusal(users!, 2, /Unknown users command \(none\)\.[\s\S]*Usage: latchkey users create/);
    expectJsonRefusal(keys!, 2, 'usage', /Unknown keys command frobnicate/);
  });

  it('an unknown option is named, with the usage', async () => {
    const [long, idLike] = await Promise.all([
      run(['clients', 'create', '--name', 'Shop', '--redirect-uri', 'https://shop.example.com/cb', '--colour', 'red']),
      run(['clients', 'show', '-Sx0_aBc']),
    ]);
    expectRefusal(long!, 2, /Unknown option '--colour'[\s\S]*Usage: latchkey clients create/);
    expect(long!.stderr).not.toMatch(/put -- before it/);
    // An id that starts with '-' reads as an option: the message says how to pass it.
    expectRefusal(idLike!, 2, /Unknown option '-S'\nIf -Sx0_aBc is an id rather than an option, put -- before it: latchkey \.\.\. -- -Sx0_aBc\n/);
  });

  it('clients create without --name or without --redirect-uri, or with an unknown --type', async () => {
    const results = await Promise.all([
      run(['clients', 'create', '--redirect-uri', 'https://shop.example.com/cb']),
      run(['clients', 'create', '--redirect-uri', 'https://shop.example.com/cb', '--json']),
      run(['clients', 'create', '--name', 'Shop']),
      run(['clients', 'create', '--name', 'App', '--type', 'native']),
      run(['clients', 'create', '--name', 'App', '--type', 'spa']),
      run(['clients', 'create', '--name', 'Shop', '--type', 'desktop', '--redirect-uri', 'https://shop.example.com/cb']),
    ]);
    expectRefusal(results[0]!, 2, /--name is required/);
    expectJsonRefusal(results[1]!, 2, 'usage', /--name is required/);
    expectRefusal(results[2]!, 2, /A web client needs at least one --redirect-uri/);
    expectRefusal(results[3]!, 2, /A native client needs at least one --redirect-uri/);
    expectRefusal(results[4]!, 2, /A spa client needs at least one --redirect-uri/);
    expectRefusal(results[5]!, 2, /--type must be one of web, native, spa, service \(got desktop\)/);
  });

  it('commands that take one id refuse none or two', async () => {
    const results = await Promise.all([
      run(['clients', 'show']), run(['clients', 'delete', 'a', 'b']), run(['clients', 'rotate-secret']),
      run(['users', 'show']), run(['users', 'block']), run(['users', 'unblock', 'a@example.com', 'b@example.com']),
    ]);
    for (const result of results.slice(0, 3)) expectRefusal(result, 2, /takes exactly one CLIENT_ID/);
    for (const result of results.slice(3)) expectRefusal(result, 2, /takes exactly one EMAIL or ID/);
  });

  it('users create without --email, or with the password on the command line', async () => {
    const results = await Promise.all([
      run(['users', 'create', '--password-stdin'], 'correct horse battery staple'),
      run(['users', 'create', '--email', 'ada@example.com', 'correct horse battery staple']),
      run(['users', 'create', '--email', 'ada@example.com', '--password', 'correct horse battery staple']),
    ]);
    expectRefusal(results[0]!, 2, /--email is required/);
    expectRefusal(results[1]!, 2, /Passwords are read from standard input with --password-stdin, never from the command line/);
    expectRefusal(results[2]!, 2, /Unknown option '--password'/);
    // The password a person typed on the command line is not echoed back.
    expect(results[1]!.stderr).not.toContain('correct horse battery staple');
  });

  it('bad option values', async () => {
    const results = await Promise.all([
      run(['clients', 'initial-access-token', '--expires-in', 'soon']),
      run(['clients', 'initial-access-token', '--expires-in', '5']),
      run(['keys', 'rotate', '--alg', 'HS256']),
      run(['clients', 'create', '--name', 'App', '--type', 'spa', '--pkce-optional', '--redirect-uri', 'https://spa.example.com/cb']),
      run(['clients', 'create', '--name']),
    ]);
    expectRefusal(results[0]!, 2, /--expires-in must be a whole number of seconds between 60 and 31536000/);
    expectRefusal(results[1]!, 2, /--expires-in must be a whole number of seconds/);
    expectRefusal(results[2]!, 2, /--alg must be one of ES256, RS256/);
    expectRefusal(results[3]!, 2, /--pkce-optional applies to web \(confidential\) clients only/);
    expectRefusal(results[4]!, 2, /Option '--name <value>' argument missing/);
  });
});

describe('argument parsing', () => {
  const usage = 'latchkey things do --name NAME';

  it('returns the values and positionals, and accepts --json and --help everywhere', () => {
    const { values, positionals } = parse(['--name', 'Shop', 'extra', '--json', '--flag', '--many', 'a', '--many', 'b'], {
      name: { type: 'string' }, flag: { type: 'boolean' }, many: { type: 'string', multiple: true },
    }, usage);
    expect(values).toEqual({ name: 'Shop', json: true, flag: true, many: ['a', 'b'] });
    expect(positionals).toEqual(['extra']);
    expect(parse(['-h'], {}, usage).values).toEqual({ help: true });
  });

  it('turns unknown options and missing values into usage errors that carry the usage', () => {
    expect(() => parse(['--nope'], {}, usage)).toThrow(UsageError);
    expect(() => parse(['--nope'], {}, usage)).toThrow(/^Unknown option '--nope'\n\nUsage: latchkey things do --name NAME$/);
    expect(() => parse(['--name'], { name: { type: 'string' } }, usage)).toThrow(/Option '--name <value>' argument missing/);
    expect(() => parse(['--flag=yes'], { flag: { type: 'boolean' } }, usage)).toThrow(UsageError);
    expect(parse(['--', '-Sx0_aBc'], {}, usage).positionals).toEqual(['-Sx0_aBc']);
  });

  it('never prints a stack in the message', () => {
    try {
      parse(['--nope'], {}, usage);
    } catch (err) {
      expect((err as Error).message).not.toMatch(STACK_TRACE);
      expect((err as Error).message).not.toMatch(/To specify a positional argument/);
    }
    expect.assertions(2);
  });
});
