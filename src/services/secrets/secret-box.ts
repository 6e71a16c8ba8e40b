// Secrets at rest (private signing keys, client secrets) are sealed with AES-256-GCM under the key
// encryption key (LATCHKEY_KEY_ENCRYPTION_KEY; generated per data dir in development). ASVS V6.2 / V6.4.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

const VERSION = 'v1';

/** Creates a sealer for a 32-byte key. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('The key encryption key must be 32 bytes');
  // A KeyObject, made once: Node checks a raw key Buffer on every cipher it creates, which costs more than
  // the decryption itself (client secrets are opened on every token request).
  const secretKey = createSecretKey(key);
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', secretKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== VERSION || !iv || body === undefined || !tag) throw new Error('Sealed secret has an unknown format');
      const decipher = createDecipheriv('aes-256-gcm', secretKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
