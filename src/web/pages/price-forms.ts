import { z } from 'zod';
import { Factor, type PricedAccount } from '../../pricing/prices.ts';
import type { View } from '../context.ts';
import { channelName } from '../ui.tsx';

/**
 * The price forms of the panel (src/web/pages/prices.tsx): a price is typed in major units
 * ("1299,90" or "1299.90") and kept in minor units of its currency (docs/decisions/190), with as
 * many digits after the point as the currency has; a factor is typed with a point or a comma.
 * The schemas carry the page's own words, so zodFieldErrors shows them as they are.
 */

/** The most a price may be, in minor units: the API's limit (src/pricing/prices.ts `Amount`). */
const MAX_AMOUNT = 1_000_000_000_000;

/** Digits after the point of a currency as Intl knows them (RUB 2, JPY 0, KWD 3): the same formatMoney shows. */
function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2; // not a currency code at all: the form says so on its own field
  }
}

/** Minor units back as the form shows them: 129990 RUB → "1299,90" in Russian, "1299.90" in English. */
export function majorText(v: View, amount: number, currency: string): string {
  const digits = minorDigits(currency);
  if (digits === 0) return String(amount);
  const text = String(amount).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}${v.lang === 'ru' ? ',' : '.'}${text.slice(-digits)}`;
}

/** "1.15" as the page's language writes it. */
export const factorShown = (v: View, factor: string) => (v.lang === 'ru' ? factor.replace('.', ',') : factor);

/** A problem said beside its field. */
const say = (ctx: z.RefinementCtx, field: string, message: string) =>
  ctx.addIssue({ code: 'custom', message, path: [field] });

/**
 * A price as typed, in minor units of `currency`, or what is wrong with it: not a number, more
 * digits after the point than the currency has, too large.
 */
function readAmount(v: View, typed: string, currency: string): { amount: number } | { problem: string } {
  // "1 299,90": spaces (a phone's keyboard may give a no-break one) as thousands separators.
  const text = typed.replace(/[\s\u00a0\u202f]/g, '');
  if (!text) return { problem: v.t('prices.amountRequired') };
  const match = /^(\d+)(?:[.,](\d+))?$/.exec(text);
  if (!match) return { problem: v.t('prices.amountFormat') };
  const [, whole, part = ''] = match;
  const digits = minorDigits(currency);
  if (part.length > digits) {
    const code = /^[A-Z]{3}$/.test(currency) ? currency : 'RUB';
    if (digits === 0) return { problem: v.t('prices.amountWhole', { currency: code }) };
    return { problem: v.t('prices.amountDigits', { currency: code, n: digits, given: typed.trim() }) };
  }
  const amount =
    whole.replace(/^0+/, '').length > 13
      ? Infinity
      : Number(whole) * 10 ** digits + Number(part.padEnd(digits, '0') || '0');
  return amount > MAX_AMOUNT ? { problem: v.t('prices.amountTooBig') } : { amount };
}

function amountIn(v: View, typed: string, currency: string, ctx: z.RefinementCtx): number | null {
  const read = readAmount(v, typed, currency);
  if ('amount' in read) return read.amount;
  say(ctx, 'amount', read.problem);
  return null;
}

const text = z.string().default('');
const formFields = { amount: text, currency: text, reason: text };

function readCurrency(v: View, typed: string, ctx: z.RefinementCtx): string | null {
  const currency = typed.trim().toUpperCase();
  if (/^[A-Z]{3}$/.test(currency)) return currency;
  say(ctx, 'currency', v.t('prices.currencyBad'));
  return null;
}

/** The reason kept in the history: undefined when none is given, null when too long. */
function readReason(v: View, typed: string, ctx: z.RefinementCtx): string | undefined | null {
  const reason = typed.trim();
  if (reason.length <= 500) return reason || undefined;
  say(ctx, 'reason', v.t('prices.reasonLong'));
  return null;
}

/** The base price form: every field checked at once, so each problem shows beside its field. */
export const baseForm = (v: View) =>
  z.object(formFields).transform((f, ctx) => {
    const currency = readCurrency(v, f.currency, ctx);
    const amount = amountIn(v, f.amount, currency ?? f.currency.trim().toUpperCase(), ctx);
    const reason = readReason(v, f.reason, ctx);
    if (currency === null || amount === null || reason === null) return z.NEVER;
    return { amount, currency, reason };
  });

export const accountModes = ['inherit', 'own', 'rule'] as const;

type AccountChoice =
  | { mode: 'inherit'; reason?: string }
  | { mode: 'own'; amount: number; currency: string; reason?: string }
  | { mode: 'rule'; factor: number; reason?: string };

/**
 * An account's price form: the base price, a price of its own (in a currency its channel takes)
 * or a rule (the factor kept as per-mille by the API's own `Factor`).
 */
export const accountForm = (v: View, account: PricedAccount) =>
  z
    .object({ ...formFields, mode: z.enum(accountModes).catch('inherit'), factor: text })
    .transform((f, ctx): AccountChoice => {
      const reason = readReason(v, f.reason, ctx);
      if (f.mode === 'inherit') return reason === null ? z.NEVER : { mode: 'inherit', reason };
      if (f.mode === 'rule') {
        const factor = Factor.safeParse(f.factor.replace(',', '.'));
        if (!factor.success) say(ctx, 'factor', v.t('prices.factorBad'));
        return !factor.success || reason === null ? z.NEVER : { mode: 'rule', factor: factor.data, reason };
      }
      let currency = readCurrency(v, f.currency, ctx);
      if (currency && account.currencies && !account.currencies.includes(currency)) {
        say(
          ctx,
          'currency',
          v.t('prices.onlyCurrencies', {
            channel: channelName(account.channel),
            currencies: account.currencies,
            currency,
          }),
        );
        currency = null;
      }
      const amount = amountIn(v, f.amount, currency ?? f.currency.trim().toUpperCase(), ctx);
      if (currency === null || amount === null || reason === null) return z.NEVER;
      return { mode: 'own', amount, currency, reason };
    });
