// Structured JSON logs (pino). Secrets never reach a log line: credentials, tokens and cookies are redacted
// by path, and request logs carry the path without its query string (which can hold codes and hints).
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const redactPaths = [
  'password', '*.password', 'newPassword', '*.newPassword', 'currentPassword', '*.currentPassword',
  'client_secret', '*.client_secret', 'clientSecret', '*.clientSecret',
  'token', '*.token', 'access_token', '*.access_token', 'refresh_token', '*.refresh_token', 'id_token', '*.id_token',
  'code_verifier', '*.code_verifier', 'secret', '*.secret',
  'authorization', '*.authorization', 'cookie', '*.cookie', 'headers.authorization', 'headers.cookie',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  // Database errors carry the failed statement's parameters and, for key violations, the key's values.
  'err.params', 'err.detail', 'err.reason.params', 'err.reason.detail', 'err.cause.params', 'err.cause.detail',
  'databaseUrl', '*.databaseUrl', 'smtpUrl', '*.smtpUrl', 'cookieKeys', '*.cookieKeys', 'keyEncryptionKey', '*.keyEncryptionKey',
];

/** Creates the process logger; `destination` lets tests capture lines. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'latchkey' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? process.stdout,
  );
}
