// A real Koa context for rendering tests: a request that never touches the network.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { expect } from '@jest/globals';
import Koa from 'koa';

const app = new Koa();

/** A GET / context with the request state pages expect (CSRF token, CSP nonce, request id). */
export function pageContext(state: Record<string, unknown> = {}): Koa.ParameterizedContext {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = '/';
  const res = new ServerResponse(req);
  const ctx = app.createContext(req, res);
  Object.assign(ctx.state, { csrfToken: 'csrf-token-123', cspNonce: 'nonce-abc', requestId: 'req-42', ...state });
  return ctx;
}

/** The rendered HTML body of ctx. */
export function html(ctx: Koa.ParameterizedContext): string {
  expect(typeof ctx.body).toBe('string');
  return ctx.body as string;
}
