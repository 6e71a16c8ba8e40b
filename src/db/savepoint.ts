// Savepoints: part of a transaction that can fail and be rolled back without ending the transaction.
import type { Queryable } from './types.js';

/** Runs fn inside a savepoint of the open transaction tx; on failure only fn's work is rolled back, and the error rethrown. */
export async function withSavepoint<T>(tx: Queryable, fn: () => Promise<T>): Promise<T> {
  await tx.query('SAVEPOINT latchkey_savepoint');
  try {
    const result = await fn();
    await tx.query('RELEASE SAVEPOINT latchkey_savepoint');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK TO SAVEPOINT latchkey_savepoint');
    throw err;
  }
}
