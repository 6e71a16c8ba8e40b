// Per-request state (locale, CSP nonce, request id, CSRF token, mount path) shared between Latchkey's Koa
// app and oidc-provider's own Koa app, which sees the same Node request but builds its own context.
import type { IncomingMessage } from 'node:http';

export interface RequestState {
  requestId: string;
  cspNonce: string;
  locale: string;
  mountPath: string;
  csrfToken?: string;
  [key: string]: unknown;
}

const states = new WeakMap<IncomingMessage, RequestState>();

/** Remembers the state of the request for code running in another Koa app on the same request. */
export function shareRequestState(req: IncomingMessage, state: RequestState): void {
  states.set(req, state);
}

/** The state shared for this request, if Latchkey's app handled it first. */
export function sharedRequestState(req: IncomingMessage): RequestState | undefined {
  return states.get(req);
}
