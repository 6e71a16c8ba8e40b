// How often the self-service flows may send mail or check codes (OWASP ASVS V2.2.1, V11.1.4). Refused
// requests get the same answer as allowed ones (no enumeration); they just send nothing.

/** One limit: at most `limit` hits per `windowSeconds`, counted in `bucket`. */
export interface LimitRule {
  bucket: string;
  limit: number;
  windowSeconds: number;
}

const HOUR = 3600;

/** The limits of sign-up, verification and password recovery. */
export const SELF_SERVICE_LIMITS = {
  /** Sign-ups from one IP (each may send a mail). */
  registerPerIp: { bucket: 'register:ip', limit: 20, windowSeconds: HOUR },
  /** Sign-up mails (verification or "already registered") to one address. */
  registerPerEmail: { bucket: 'register:email', limit: 3, windowSeconds: HOUR },
  /** Verification codes typed from one IP, right or wrong (each code also dies after 5 wrong tries). */
  verifyCodePerIp: { bucket: 'verify-code:ip', limit: 30, windowSeconds: 15 * 60 },
  /** "Send the link again" per account and per IP. */
  resendPerAccount: { bucket: 'verify-resend:account', limit: 3, windowSeconds: HOUR },
  resendPerIp: { bucket: 'verify-resend:ip', limit: 20, windowSeconds: HOUR },
  /** Forgotten-password mails per address and requests per IP. */
  forgotPerEmail: { bucket: 'forgot-password:email', limit: 3, windowSeconds: HOUR },
  forgotPerIp: { bucket: 'forgot-password:ip', limit: 20, windowSeconds: HOUR },
} as const satisfies Record<string, LimitRule>;
