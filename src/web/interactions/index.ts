// Routes of the unified login page inside an authorization: each step is a list of named middleware.
import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { LatchkeyServices } from '../../services/index.js';
import { parseForm } from '../middleware/form.js';
import { verifyCsrf, type CsrfOptions } from '../middleware/csrf.js';
import type { Renderer } from '../render.js';
import { loadInteraction, type InteractionState } from './details.js';
import { loginSubmission, renderLogin } from './login.js';
import { consentIsImplied, consentSubmission, grantConsent, renderConsent } from './consent.js';
import { customerLinkSubmission, registerProductPage, registerProductSubmission, renderCustomerStep } from './customer-link.js';
import { useCustomerLinks } from '../../oidc/customer-prompt.js';
import { SELECT_ORGANIZATION_PROMPT, useOrganizationMemberships } from '../../oidc/organization-prompt.js';
import { organizationSubmission, renderOrganizationPicker } from './select-organization.js';
import type { Mailer } from '../../services/mail/index.js';

export interface InteractionRoutesDeps {
  provider: Provider;
  services: LatchkeyServices;
  render: Renderer;
  csrf: CsrfOptions;
  /** Delivers queued mail now (the first sign-in's mailbox-proof code). */
  mailer: Pick<Mailer, 'notify'>;
}

/** GET shows the step the interaction needs; POSTs submit login, consent, or abort. */
export function interactionRoutes(deps: InteractionRoutesDeps) {
  const { provider, services, render } = deps;
  const router = new Router();
  const csrf = verifyCsrf(deps.csrf);
  const interaction = loadInteraction(provider);
  useCustomerLinks(provider, (accountId) => services.customers.linksOf(accountId));
  useOrganizationMemberships(provider, (accountId) => services.companies.claimsFor(accountId));

  router.get('/interaction/:uid', interaction, async function showStep(ctx) {
    const state = ctx.state.interaction as InteractionState;
    if (state.prompt === 'login') {
      // After a self-service step (email verified, password set) the page says so and has the email filled in.
      const query = (name: string) => (typeof ctx.query[name] === 'string' ? ctx.query[name] : undefined);
      return renderLogin(render, ctx, state, { email: query('email')?.slice(0, 320), after: query('after'), registration: services.signup.registrationEnabled, firstTimeHint: await services.firstSignInHint.shown() });
    }
    if (state.prompt === 'consent' && state.accountId && consentIsImplied(state)) {
      return grantConsent({ provider, services }, ctx, { ...state, accountId: state.accountId }, 'implied');
    }
    if (state.prompt === 'consent') return renderConsent(render, ctx, state, services);
    if (state.prompt === 'customer' && state.accountId) return renderCustomerStep({ provider, services, render }, ctx, state, 'link');
    if (state.prompt === SELECT_ORGANIZATION_PROMPT && state.accountId) return renderOrganizationPicker({ provider, services, render }, ctx, { ...state, accountId: state.accountId });
    // A prompt Latchkey has no page for: end the authorization with an error instead of hanging.
    await provider.interactionFinished(ctx.req, ctx.res, { error: 'interaction_required', error_description: `unsupported prompt ${state.prompt}` }, { mergeWithLastSubmission: false });
    ctx.respond = false;
  });

  router.post('/interaction/:uid/login', parseForm, csrf, interaction, loginSubmission({ provider, services, render, mailer: deps.mailer }));
  router.post('/interaction/:uid/confirm', parseForm, csrf, interaction, consentSubmission({ provider, services }));
  router.get('/interaction/:uid/register-product', interaction, registerProductPage({ provider, services, render }));
  router.post('/interaction/:uid/customer-link', parseForm, csrf, interaction, customerLinkSubmission({ provider, services, render }));
  router.post('/interaction/:uid/register-product', parseForm, csrf, interaction, registerProductSubmission({ provider, services, render }));
  router.post('/interaction/:uid/organization', parseForm, csrf, interaction, organizationSubmission({ provider, services, render }));
  router.post('/interaction/:uid/abort', parseForm, csrf, interaction, async function abort(ctx) {
    await provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
    ctx.respond = false;
  });
  return router;
}
