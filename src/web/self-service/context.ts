// What the self-service pages need to know about the request: the sign-in in progress they were opened from
// (an oidc-provider interaction, looked up by uid through the provider's public model API), and the origin
// the services record in the audit log and use for mails.
import type { ParameterizedContext } from 'koa';
import type Provider from 'oidc-provider';
import type { RequestOrigin } from '../../services/signup/origin.js';

/** A sign-in in progress that a self-service page came from. */
export interface ReturnInteraction {
  uid: string;
  clientId: string;
  clientName: string;
}

const UID = /^[A-Za-z0-9_-]{1,64}$/;

/** The live interaction with this uid and its app, or undefined (unknown, expired, malformed). */
export async function findInteraction(provider: Provider, uid: unknown): Promise<ReturnInteraction | undefined> {
  if (typeof uid !== 'string' || !UID.test(uid)) return undefined;
  const interaction = await provider.Interaction.find(uid);
  const clientId = interaction?.params?.client_id;
  if (!interaction || typeof clientId !== 'string') return undefined;
  const client = await provider.Client.find(clientId);
  if (!client) return undefined;
  return { uid: interaction.jti, clientId: client.clientId, clientName: client.clientName ?? client.clientId };
}

/** The audit and mail origin of this request, optionally inside a sign-in. */
export function originOf(ctx: ParameterizedContext, interaction?: ReturnInteraction): RequestOrigin {
  return {
    ip: ctx.ip,
    userAgent: ctx.get('user-agent') || undefined,
    locale: typeof ctx.state.locale === 'string' ? ctx.state.locale : 'en',
    clientId: interaction?.clientId,
    clientName: interaction?.clientName,
    interactionUid: interaction?.uid,
  };
}

/** The login page of a sign-in in progress, with a notice and the email filled in. */
export function loginPageUrl(ctx: ParameterizedContext, uid: string, after: 'verified' | 'password-set', email: string): string {
  const query = new URLSearchParams({ after, email });
  return `${ctx.state.mountPath ?? ''}/interaction/${uid}?${query.toString()}`;
}

/** The first value of a query parameter, as a string ('' when absent). */
export function queryString(ctx: ParameterizedContext, name: string): string {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : '';
}

/** A form field as a string, cut to `max` characters. */
export function formField(ctx: ParameterizedContext, name: string, max = 1024): string {
  const form = ctx.state.form as Record<string, string> | undefined;
  return String(form?.[name] ?? '').slice(0, max);
}
