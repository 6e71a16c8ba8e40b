// The login step of an authorization: email + password, behind brute-force protection.
// A wrong password, an unknown email and a locked account look and take the same (OWASP ASVS V2.2, V3.2).
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { LatchkeyServices } from '../../services/index.js';
import type { Renderer } from '../render.js';
import { clientView, type InteractionState } from './details.js';
import { holdUnverifiedLogin } from '../self-service/login-gate.js';
import { holdLegacySignIn } from '../self-service/legacy-gate.js';
import type { Mailer } from '../../services/mail/index.js';

const MAX_EMAIL_LENGTH = 320;

/** Renders the login page for the interaction (optionally with the generic error). */
export async function renderLogin(render: Renderer, ctx: Parameters<Middleware>[0], interaction: InteractionState, options: { email?: string; error?: boolean; after?: string; registration?: boolean; firstTimeHint?: boolean } = {}) {
  const t = render.translator(ctx);
  const base = `${ctx.state.mountPath}/interaction/${interaction.uid}`;
  // Self-service links carry the interaction so the person can come back to this sign-in.
  const back = `interaction=${encodeURIComponent(interaction.uid)}`;
  const hint = typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint.slice(0, MAX_EMAIL_LENGTH) : '';
  render(ctx, 'login', {
    client: clientView(interaction.client),
    action: `${base}/login`,
    abortAction: `${base}/abort`,
    email: options.email ?? hint,
    error: options.error ? t('login.error.invalid') : undefined,
    firstTimeHint: options.firstTimeHint ?? false,
    registerUrl: options.registration ? `${ctx.state.mountPath}/register?${back}` : undefined,
    forgotUrl: `${ctx.state.mountPath}/forgot-password?${back}`,
    notice: options.after === 'verified' ? t('signup.login.after_verified') : options.after === 'password-set' ? t('signup.login.after_password_set') : undefined,
  }, options.error ? 400 : 200);
}

/** POST /interaction/:uid/login: [csrf, parseForm, loadInteraction, throttle, authenticate, finish]. */
export function loginSubmission(deps: { provider: Provider; services: LatchkeyServices; render: Renderer; mailer: Pick<Mailer, 'notify'> }): Middleware {
  const { provider, services, render } = deps;
  return async function authenticateAndFinish(ctx) {
    const interaction = ctx.state.interaction as InteractionState;
    if (interaction.prompt !== 'login') {
      // The interaction moved on (e.g. double submit): show what it needs now.
      ctx.redirect(`${ctx.state.mountPath}/interaction/${interaction.uid}`);
      return;
    }
    const form = ctx.state.form as Record<string, string>;
    const email = String(form.email ?? '').slice(0, MAX_EMAIL_LENGTH);
    const password = String(form.password ?? '');
    const key = services.accounts.normalizeEmail(email);
    const audit = { ip: ctx.ip, userAgent: ctx.get('user-agent'), clientId: interaction.client.clientId };

    const attempt = await services.bruteForce.begin(key, ctx.ip);
    if (!attempt.allowed) {
      // Same work as a real check, so the refusal cannot be told apart by timing.
      await services.accounts.burnPasswordCheck(password);
      await services.audit.record({ type: 'login.throttled', data: { email: key }, ...audit });
      await renderLogin(render, ctx, interaction, { email, error: true, registration: services.signup.registrationEnabled, firstTimeHint: await services.firstSignInHint.shown() });
      return;
    }
    const { account, knownAccountId, mailboxProof } = await services.accounts.authenticate(email, password);
    if (mailboxProof) {
      // The right password from a legacy source that never verified addresses: held until the mailbox is proven.
      await attempt.succeeded();
      await services.audit.record({ accountId: mailboxProof.accountId, type: 'login.held_for_mailbox_proof', data: { source: mailboxProof.source }, ...audit });
      await holdLegacySignIn({ services, render }, ctx, interaction, mailboxProof);
      deps.mailer.notify(); // the code mail now, not at the outbox's next poll
      return;
    }
    if (!account) {
      await attempt.failed();
      await services.audit.record({ accountId: knownAccountId, type: 'login.failed', data: { email: key }, ...audit });
      await renderLogin(render, ctx, interaction, { email, error: true, registration: services.signup.registrationEnabled, firstTimeHint: await services.firstSignInHint.shown() });
      return;
    }
    await attempt.succeeded();
    // A correct password for an unverified address: the login waits for the mailed code or link.
    if (await holdUnverifiedLogin({ services, render }, ctx, interaction, account)) return;
    await services.audit.record({ accountId: account.id, type: 'login.succeeded', ...audit });
    await provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: account.id, amr: ['pwd'], remember: true },
    }, { mergeWithLastSubmission: false });
    ctx.respond = false;
  };
}
