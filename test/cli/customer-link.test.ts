// `latchkey customers link|unlink EMAIL|ID CUSTOMER_ID` as real processes (embedded database): staff link an
// account to a customer of the directory and remove the link; unknown customers and accounts are clear errors.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createSandbox, expectRefusal, expectSuccess, latchkey, type Sandbox } from './helpers.js';

describe('latchkey customers link and unlink', () => {
  let sandbox: Sandbox;
  const run = (args: string[], input?: string) => latchkey(args, { env: sandbox.env, input, timeoutMs: 90_000 });

  beforeAll(async () => {
    sandbox = await createSandbox();
    const file = path.join(sandbox.root, 'customers.ndjson');
    await writeFile(file, `${JSON.stringify({ customer_id: 'C-300', company_name: 'Umbrella d.o.o.', tax_id: 'HR123' })}\n`);
    expectSuccess(await run(['customers', 'import', file]));
    expectSuccess(await run(['users', 'create', '--email', 'staffed@example.com', '--password-stdin'], 'correct horse battery\n'));
  }, 120_000);
  afterAll(async () => sandbox?.remove());

  it('links, reports an existing link, and unlinks', async () => {
    const linked = await run(['customers', 'link', 'staffed@example.com', 'C-300', '--json']);
    expectSuccess(linked);
    expect(linked.json()).toMatchObject({ email: 'staffed@example.com', changed: true, customers: ['C-300'] });
    const again = await run(['customers', 'link', 'staffed@example.com', 'C-300']);
    expectSuccess(again);
    expect(again.stdout).toContain('already linked');
    const unlinked = await run(['customers', 'unlink', 'staffed@example.com', 'C-300', '--json']);
    expectSuccess(unlinked);
    expect(unlinked.json()).toMatchObject({ changed: true, customers: [] });
  });

  it('refuses an unknown customer, an unknown account and a missing argument', async () => {
    expectRefusal(await run(['customers', 'link', 'staffed@example.com', 'C-NOPE']), 1, /No customer with ID C-NOPE/);
    expectRefusal(await run(['customers', 'link', 'nobody@example.com', 'C-300']), 1, /nobody@example.com|No account/i);
    expectRefusal(await run(['customers', 'link', 'staffed@example.com']), 2, /takes EMAIL\|ID and CUSTOMER_ID/);
  });
});
