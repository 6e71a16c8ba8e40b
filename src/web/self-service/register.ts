// The sign-up page (issue 3, item 1): GET shows the form, POST signs up and shows "check your email".
// The answer to a valid form is the same page whether the address was new or taken (no enumeration).
import type { Middleware, ParameterizedContext } from 'koa';
import type { RouteDeps } from '../route-deps.js';
import { findInteraction, formField, originOf, queryString, type ReturnInteraction } from './context.js';
import { fieldErrorOf, type FieldError } from './messages.js';
import { rememberBusinessIntent } from '../account/companies-signup.js';

const MAX_EMAIL = 320;

/** Locals of views/pages/register.ejs. */
export interface RegisterPageLocals {
  action: string;
  /** Where "Already have an account? Sign in" goes. */
  signInUrl: string;
  interaction: string;
  clientName: string | undefined;
  email: string;
  name: string;
  minLength: number;
  error: FieldError | undefined;
  /** "I buy for a business" was ticked (kept after a refused form). */
  business: boolean;
}

function signInUrl(ctx: ParameterizedContext, interaction: ReturnInteraction | undefined): string {
  return interaction ? `${ctx.state.mountPath}/interaction/${interaction.uid}` : `${ctx.state.mountPath}/account`;
}

/** Renders the sign-up form (empty, or with the refused values and the message next to its field). */
function renderRegister(deps: RouteDeps, ctx: ParameterizedContext, interaction: ReturnInteraction | undefined, values: { email: string; name: string; business?: boolean }, error?: FieldError) {
  const locals: RegisterPageLocals = {
    action: `${ctx.state.mountPath}/register`,
    signInUrl: signInUrl(ctx, interaction),
    interaction: interaction?.uid ?? '',
    clientName: interaction?.clientName,
    email: values.email,
    name: values.name,
    minLength: deps.services.accounts.passwordMinLength,
    error,
    business: values.business ?? false,
  };
  deps.render(ctx, 'register', locals, error ? 400 : 200);
}

/** Renders "check your email" with the code form for this address. */
export function renderCheckEmail(deps: RouteDeps, ctx: ParameterizedContext, email: string, error?: string) {
  deps.render(ctx, 'check-email', {
    email,
    codeAction: `${ctx.state.mountPath}/verify-email/code`,
    error,
  }, error ? 400 : 200);
}

/** 404 unless LATCHKEY_REGISTRATION is on. */
export function registrationEnabled(deps: RouteDeps): Middleware {
  return async function registrationEnabledCheck(ctx, next) {
    if (!deps.services.signup.registrationEnabled) return;
    await next();
  };
}

/** GET /register[?interaction=uid] */
export function showRegistration(deps: RouteDeps): Middleware {
  return async function showRegistrationForm(ctx) {
    const interaction = await findInteraction(deps.provider, queryString(ctx, 'interaction'));
    renderRegister(deps, ctx, interaction, { email: queryString(ctx, 'email').slice(0, MAX_EMAIL), name: '' });
  };
}

/** POST /register: [parseForm, csrf, register] */
export function submitRegistration(deps: RouteDeps): Middleware {
  return async function register(ctx) {
    const interaction = await findInteraction(deps.provider, formField(ctx, 'interaction', 64));
    const values = { email: formField(ctx, 'email', MAX_EMAIL), name: formField(ctx, 'name', 400), business: formField(ctx, 'business', 10) === 'on' };
    try {
      await deps.services.signup.register({ email: values.email, name: values.name, password: formField(ctx, 'password', 4096) }, originOf(ctx, interaction));
    } catch (err) {
      const error = fieldErrorOf(err, deps.render.translator(ctx), deps.services.accounts.passwordMinLength);
      if (!error) throw err;
      return renderRegister(deps, ctx, interaction, values, error);
    }
    deps.mailer.notify();
    if (values.business) rememberBusinessIntent(deps, ctx);
    renderCheckEmail(deps, ctx, values.email.trim());
  };
}
