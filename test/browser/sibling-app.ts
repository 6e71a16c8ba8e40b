// A sibling app for the browser tests: a small HTTP server using openid-client, hosting one or more registered
// clients. /login/<app> starts code + PKCE, /callback/<app> redeems the code and shows what the test asks for
// (or the `error` the provider sent back), /logout/<app> starts RP-initiated logout without id_token_hint.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { oidc } from '../support/relying-party.js';

/** Strips the characters that would let a value break out of the HTML it is shown in. */
export const escapeHtml = (s: string) => s.replace(/[<>&"]/g, '');

/** One client of the sibling app: its display name, discovered configuration, scope and what its callback shows. */
export interface SiblingClient {
  name: string;
  config: oidc.Configuration;
  scope: string;
  /** The HTML body shown after the code is redeemed. */
  show: (tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, config: oidc.Configuration) => Promise<string> | string;
}

/** The sibling app's server; `origin` is known after listen(), so clients are added to `apps` then. */
export class SiblingApp {
  readonly server = http.createServer((req, res) => {
    this.handle(req, res).catch((err: Error) => {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain');
      res.end(`RP error: ${err.message}`);
    });
  });
  readonly apps = new Map<string, SiblingClient>();
  private readonly pending = new Map<string, { app: string; verifier: string; nonce: string }>();
  origin = '';

  /** Listens on a free loopback port. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The redirect URI to register for the app called `key`. */
  callback(key: string): string {
    return `${this.origin}/callback/${key}`;
  }

  private page(res: http.ServerResponse, body: string) {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>RP</title></head><body>${body}</body></html>`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url!, this.origin);
    const [, action, app = 'shop'] = url.pathname.split('/');
    const client = this.apps.get(app);
    if (action === '') return this.page(res, `<h1>The shop</h1><a id="sign-in" href="/login/shop">Sign in</a>`);
    if (action === 'logged-out') return this.page(res, '<h1 id="rp-logged-out">You left the shop</h1>');
    if (!client) {
      res.statusCode = 404;
      return res.end();
    }
    if (action === 'login') {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      this.pending.set(state, { app, verifier, nonce });
      const target = oidc.buildAuthorizationUrl(client.config, {
        redirect_uri: this.callback(app), scope: client.scope, state, nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      res.writeHead(302, { location: target.href });
      return res.end();
    }
    if (action === 'callback') {
      const state = url.searchParams.get('state') ?? '';
      const pending = this.pending.get(state);
      if (!pending || pending.app !== app) throw new Error('unknown state');
      this.pending.delete(state);
      const error = url.searchParams.get('error');
      if (error) return this.page(res, `<p id="error">${escapeHtml(error)}</p>`);
      const tokens = await oidc.authorizationCodeGrant(client.config, url, { pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce });
      return this.page(res, await client.show(tokens, client.config));
    }
    if (action === 'logout') {
      const target = oidc.buildEndSessionUrl(client.config, { client_id: client.config.clientMetadata().client_id, post_logout_redirect_uri: `${this.origin}/logged-out` });
      res.writeHead(302, { location: target.href });
      return res.end();
    }
    res.statusCode = 404;
    res.end();
  }

  /** Stops the server, dropping open connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
