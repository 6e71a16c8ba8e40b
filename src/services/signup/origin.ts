// Who asked for a self-service action: what the audit log records and what the mails mention.

/** The request behind a sign-up, verification or recovery step (no HTTP types: the web layer fills it in). */
export interface RequestOrigin {
  ip: string;
  userAgent?: string | undefined;
  /** The language of the page, used for the mails it causes. */
  locale: string;
  /** The app the person came from, when the step started inside an authorization. */
  clientId?: string | undefined;
  clientName?: string | undefined;
  /** The authorization (oidc-provider interaction uid) to return to afterwards. */
  interactionUid?: string | undefined;
}

/** The audit fields of an origin. */
export const auditOrigin = (origin: RequestOrigin) => ({ ip: origin.ip, userAgent: origin.userAgent ?? null, clientId: origin.clientId ?? null });

/** What a token's data remembers of the origin, to come back to the app after the mailed link. */
export const tokenOrigin = (origin: RequestOrigin): Record<string, string> => ({
  ...(origin.interactionUid ? { interaction: origin.interactionUid } : {}),
  ...(origin.clientId ? { clientId: origin.clientId } : {}),
});

/** The interaction uid a token remembers, if any. */
export const interactionOf = (data: Record<string, unknown>): string | undefined =>
  typeof data.interaction === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(data.interaction) ? data.interaction : undefined;
