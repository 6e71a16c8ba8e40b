// Who calls the companies routes of the Account API, and their path parameters: the signed-in account acts
// as a plain member (never with staff rights, which only the Admin API grants).
import type { Context } from 'koa';
import type { Actor } from '../../services/companies/index.js';
import { callerOf } from './bearer.js';
import { parseInput } from './input.js';
import { opaqueId } from './schemas.js';

/** The signed-in account as a company-service actor (never with staff roles). */
export function memberActor(ctx: Context): Actor {
  return { accountId: callerOf(ctx).accountId!, ip: ctx.ip, userAgent: ctx.get('user-agent') || null };
}

/** A path parameter, checked like any other input. */
export const pathParam = (ctx: Context, name: string) => parseInput(opaqueId, (ctx.params as Record<string, string>)[name], `path parameter ${name}`);
