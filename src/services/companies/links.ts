// The URLs company mails point to; the account-center pages (src/web/account/companies*.ts) serve them.

/** The list of the person's companies in the account center. */
export const companiesLink = (issuer: string) => `${issuer}/account/companies`;

/** One company's page in the account center. */
export const companyLink = (issuer: string, companyId: string) => `${issuer}/account/companies/${encodeURIComponent(companyId)}`;

/** The invitation page: a signed-in person accepts the invitation there. */
export const companyInvitationLink = (issuer: string, token: string) => `${issuer}/company-invitation?token=${encodeURIComponent(token)}`;
