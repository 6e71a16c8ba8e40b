// A relying party's back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0 §2.5): a small
// HTTP server on loopback that records every logout token POSTed to it, under any path.
import http from 'node:http';

export interface ReceivedLogout {
  /** The path the token was POSTed to (one path per test client). */
  path: string;
  contentType: string | undefined;
  logoutToken: string | undefined;
}

export interface LogoutReceiver {
  /** Base URL, e.g. http://127.0.0.1:41234 ; register `${url}/some-client` as backchannel_logout_uri. */
  url: string;
  received: ReceivedLogout[];
  /** Forgets what was received so far. */
  clear(): void;
  close(): Promise<void>;
}

/** Starts the receiver; it answers 200 to every POST, as a conforming RP does after validating the token. */
export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const received: ReceivedLogout[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        received.push({ path: new URL(req.url ?? '/', 'http://x').pathname, contentType: req.headers['content-type'], logoutToken: form.get('logout_token') ?? undefined });
      }
      res.writeHead(req.method === 'POST' ? 200 : 405, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    clear: () => {
      received.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
