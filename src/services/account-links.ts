// The one place that defines the URLs Latchkey puts in mails (and hands to other services), so a link
// built by one flow is always understood by the page that receives it. `issuer` already carries the
// mount path (e.g. https://example.com/idp); tokens are base64url and need no escaping, but are encoded anyway.

const withToken = (issuer: string, path: string, token: string) => `${issuer}${path}?token=${encodeURIComponent(token)}`;

/** The email verification link of a sign-up: GET shows a confirm button, POST verifies. */
export const verifyEmailLink = (issuer: string, token: string) => withToken(issuer, '/verify-email', token);

/** The forgotten-password link: GET shows the new-password form, POST sets it. */
export const resetPasswordLink = (issuer: string, token: string) => withToken(issuer, '/reset-password', token);

/** The set-password link of an account created for the person by a sibling app (provisioning). */
export const invitationLink = (issuer: string, token: string) => withToken(issuer, '/invitation', token);

/** The email-change confirmation link sent to the new address (page of the account center). */
export const emailChangeVerifyLink = (issuer: string, token: string) => withToken(issuer, '/email-change/verify', token);

/** The "this was not me" link sent to the old address of an email change (page of the account center). */
export const emailChangeNotMeLink = (issuer: string, token: string) => withToken(issuer, '/email-change/not-me', token);

/** Where a person signs in outside any app: the account center. */
export const signInLink = (issuer: string) => `${issuer}/account`;

/** The page that mails a new reset link. */
export const forgotPasswordLink = (issuer: string) => `${issuer}/forgot-password`;
