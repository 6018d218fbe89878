import { Hono } from 'hono';
import { z } from 'zod';
import type { Executor } from '../../db/database.ts';
import {
  DOCUMENTS_TOPIC,
  findPackages,
  packageEvents,
  PROCESS_TOPIC,
  type EventState,
  type PackageEvent,
  type PackageRow,
} from '../../delivery/packages.ts';
import { markMadeByHand, packageFix, retryPackage, type PackageFix } from '../../delivery/support.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { localize, zodFieldErrors } from '../messages.ts';
import { Badge, Field, formatDateTime, intParam, Notice } from '../ui.tsx';

/**
 * The delivery hop of an order's trace (seed 004 §4): each package with its state, our number
 * (OZ-…), the service's number and the waybill, its outbox events with their errors, and the
 * support actions: fix the address (or what else was missing) and send again, or record the
 * delivery order the service's support made by hand. The forms post to
 * /orders/:id/delivery/:packageId/…, which come back to the trace with what happened.
 */

const stateTone: Record<PackageRow['state'], 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  new: 'muted',
  pending: 'info',
  made: 'ok',
  invalid: 'bad',
};
const eventTone: Record<EventState, 'ok' | 'bad' | 'info' | 'muted'> = {
  done: 'ok',
  dead: 'bad',
  running: 'info',
  waiting: 'muted',
};

interface HopPackage {
  pkg: PackageRow;
  events: PackageEvent[];
}

/** The order's packages and their events, for `DeliveryHop`. */
export async function deliveryHopOf(ex: Executor, orderId: number): Promise<HopPackage[]> {
  const { items } = await findPackages(ex, { orderId, limit: 20, offset: 0 });
  return Promise.all(items.map(async (pkg) => ({ pkg, events: await packageEvents(ex, pkg.id) })));
}

/** What the last delivery action said, from the trace's query (`delivery_done`, `delivery_error`). */
export const deliveryNoticeOf = (c: WebContext) => ({
  done: c.req.query('delivery_done'),
  error: c.req.query('delivery_error'),
});

export function DeliveryHop({
  v,
  orderId,
  packages,
  notice,
}: {
  v: View;
  orderId: number;
  packages: HopPackage[];
  notice?: { done?: string; error?: string };
}) {
  const { t } = v;
  return (
    <section class="card" id="delivery-hop">
      <h2>{t('delivery.title')}</h2>
      {notice?.done === 'retry' && <Notice kind="success">{t('delivery.done.retry')}</Notice>}
      {notice?.done === 'made' && <Notice kind="success">{t('delivery.done.made')}</Notice>}
      {notice?.error && <Notice kind="error">{notice.error}</Notice>}
      {packages.length ? (
        packages.map((p) => <PackageCard v={v} orderId={orderId} {...p} />)
      ) : (
        <p class="hint-text">{t('delivery.none')}</p>
      )}
    </section>
  );
}

function PackageCard({ v, orderId, pkg, events }: { v: View; orderId: number } & HopPackage) {
  const { t } = v;
  const a = pkg.address;
  const live = (topic: string) =>
    events.some((e) => e.topic === topic && (e.state === 'waiting' || e.state === 'running'));
  const sending = live(PROCESS_TOPIC);
  const canFix = v.canWrite && !sending && (pkg.state === 'invalid' || pkg.state === 'new');
  const canRetryWaybill = v.canWrite && pkg.state === 'made' && !pkg.waybill_url && !live(DOCUMENTS_TOPIC);
  const canMarkMade = v.canWrite && (pkg.state === 'invalid' || pkg.state === 'new');
  return (
    <article class="package" data-package={pkg.id} data-state={pkg.state}>
      <h3>
        {t('delivery.package', { id: pkg.id })} <span class="mono">{pkg.number}</span>{' '}
        <Badge tone={stateTone[pkg.state]}>{t(`delivery.state.${pkg.state}`)}</Badge>
        {pkg.made_by_hand && (
          <>
            {' '}
            <Badge tone="warn">{t('delivery.madeByHand')}</Badge>
          </>
        )}
      </h3>
      <dl class="facts">
        <dt>{t('delivery.tracking')}</dt>
        <dd class="mono" data-field="tracking">
          {pkg.tracking_number ?? t('common.none')}
        </dd>
        <dt>{t('delivery.status')}</dt>
        <dd class="mono">{pkg.delivery_status ?? t('common.none')}</dd>
        <dt>{t('delivery.waybill')}</dt>
        <dd data-field="waybill">
          {pkg.waybill_url ? (
            <a href={pkg.waybill_url} rel="noreferrer noopener" target="_blank">
              {t('delivery.waybillOpen')}
            </a>
          ) : (
            t('delivery.noWaybill')
          )}
        </dd>
        <dt>{t('delivery.recipient')}</dt>
        <dd>
          {pkg.recipient.name ?? '?'} · {pkg.recipient.phone ?? '?'}
        </dd>
        <dt>{t('delivery.to')}</dt>
        <dd>
          {pkg.delivery_point
            ? t('delivery.point', { code: pkg.delivery_point })
            : a
              ? [a.countryCode, a.region, a.city, a.address, a.postalCode].filter(Boolean).join(', ')
              : '?'}
        </dd>
        <dt>{t('delivery.parcel')}</dt>
        <dd>
          {t('delivery.parcelSize', {
            weight: pkg.weight_grams ?? '?',
            length: pkg.length_cm ?? '?',
            width: pkg.width_cm ?? '?',
            height: pkg.height_cm ?? '?',
          })}
        </dd>
      </dl>
      {pkg.error && (
        <div class="error-text" data-field="error">
          <strong>{t('delivery.error')}:</strong> {pkg.error}
        </div>
      )}
      {pkg.problems.length > 0 && (
        <p class="error-text">
          {t('delivery.problems')}: {pkg.problems.map((x) => x.field).join(', ')}
        </p>
      )}
      <h4>{t('delivery.events')}</h4>
      {events.length ? (
        <ul class="plain delivery-events">
          {events.map((e) => (
            <li data-event={e.name} data-state={e.state}>
              <span class="mono">
                #{e.id} {e.name}
              </span>{' '}
              <Badge tone={eventTone[e.state]}>{t(`delivery.event.${e.state}`)}</Badge>{' '}
              <small>{formatDateTime(v, e.created_at)}</small>
              {e.errors.length > 0 && (
                <ul class="plain">
                  {e.errors.map((x) => (
                    <li class="error-text">
                      {t('trace.attempt', { n: x.attempt })} · {formatDateTime(v, x.at)}{' '}
                      {x.http_status && `· HTTP ${x.http_status}`} · {x.error}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p class="hint-text">{t('delivery.noEvents')}</p>
      )}
      {canFix && <FixForm v={v} orderId={orderId} pkg={pkg} />}
      {canRetryWaybill && (
        <form method="post" action={`/orders/${orderId}/delivery/${pkg.id}/retry`} class="inline-form">
          <button type="submit">{t('delivery.retryWaybill')}</button>
        </form>
      )}
      {canMarkMade && (
        <details>
          <summary>{t('delivery.madeTitle')}</summary>
          <form
            method="post"
            action={`/orders/${orderId}/delivery/${pkg.id}/made-by-hand`}
            class="stack"
            id={`made-${pkg.id}`}
          >
            <p class="hint-text">{t('delivery.madeHint', { number: pkg.number })}</p>
            <Field
              name="tracking_number"
              label={t('delivery.trackingNumber')}
              required
              attrs={{ maxlength: 40, autocomplete: 'off' }}
            />
            <div class="actions">
              <button type="submit">{t('delivery.markMade')}</button>
            </div>
          </form>
        </details>
      )}
    </article>
  );
}

function FixForm({ v, orderId, pkg }: { v: View; orderId: number; pkg: PackageRow }) {
  const { t } = v;
  const a = pkg.address ?? {};
  const missing = new Set(pkg.problems.map((x) => x.field));
  // The fields a problem names are marked where support types the fix.
  const errors = Object.fromEntries(
    [
      ['recipient.name', 'recipient_name'],
      ['recipient.phone', 'recipient_phone'],
      ['address.countryCode', 'country_code'],
      ['address.city', 'city'],
      ['address.address', 'address'],
      ['weight_grams', 'weight_grams'],
      ['length_cm', 'length_cm'],
      ['width_cm', 'width_cm'],
      ['height_cm', 'height_cm'],
    ].flatMap(([problem, field]) => (missing.has(problem) ? [[field, t('common.required')]] : [])),
  );
  return (
    <form method="post" action={`/orders/${orderId}/delivery/${pkg.id}/retry`} class="stack" id={`fix-${pkg.id}`}>
      <h4>{t('delivery.fix')}</h4>
      <p class="hint-text">{t('delivery.fixHint')}</p>
      <div class="grid grid-2">
        <Field name="recipient_name" label={t('delivery.recipientName')} value={pkg.recipient.name} errors={errors} />
        <Field
          name="recipient_phone"
          label={t('delivery.recipientPhone')}
          value={pkg.recipient.phone}
          errors={errors}
          type="tel"
        />
        <Field
          name="country_code"
          label={t('delivery.countryCode')}
          value={a.countryCode}
          errors={errors}
          attrs={{ maxlength: 2 }}
        />
        <Field name="region" label={t('delivery.region')} value={a.region} />
        <Field name="city" label={t('delivery.city')} value={a.city} errors={errors} />
        <Field name="address" label={t('delivery.address')} value={a.address} errors={errors} />
        <Field name="postal_code" label={t('delivery.postalCode')} value={a.postalCode} />
        <Field name="delivery_point" label={t('delivery.deliveryPoint')} value={pkg.delivery_point} />
        <Field
          name="weight_grams"
          label={t('delivery.weight')}
          value={pkg.weight_grams}
          errors={errors}
          type="number"
          attrs={{ min: 1 }}
        />
        <Field
          name="length_cm"
          label={t('delivery.length')}
          value={pkg.length_cm}
          errors={errors}
          type="number"
          attrs={{ min: 1 }}
        />
        <Field
          name="width_cm"
          label={t('delivery.width')}
          value={pkg.width_cm}
          errors={errors}
          type="number"
          attrs={{ min: 1 }}
        />
        <Field
          name="height_cm"
          label={t('delivery.height')}
          value={pkg.height_cm}
          errors={errors}
          type="number"
          attrs={{ min: 1 }}
        />
      </div>
      <div class="actions">
        <button type="submit">{t('delivery.retry')}</button>
      </div>
    </form>
  );
}

/** The fix as the form sends it: a field left empty, or as the package has it, changes nothing. */
function fixOfForm(body: Record<string, unknown>, pkg: PackageRow): PackageFix {
  const s = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const changed = (value: string, before: unknown) => value !== '' && value !== String(before ?? '');
  const a = pkg.address ?? {};
  const fix: Record<string, unknown> = {};
  const recipient: Record<string, string> = {};
  if (changed(s('recipient_name'), pkg.recipient.name)) recipient.name = s('recipient_name');
  if (changed(s('recipient_phone'), pkg.recipient.phone)) recipient.phone = s('recipient_phone');
  if (Object.keys(recipient).length) fix.recipient = recipient;
  const address: Record<string, string> = {};
  for (const [field, key] of [
    ['country_code', 'countryCode'],
    ['region', 'region'],
    ['city', 'city'],
    ['address', 'address'],
    ['postal_code', 'postalCode'],
  ] as const) {
    const value = key === 'countryCode' ? s(field).toUpperCase() : s(field);
    if (changed(value, a[key])) address[key] = value;
  }
  if (Object.keys(address).length) fix.address = address;
  if (changed(s('delivery_point'), pkg.delivery_point)) fix.delivery_point = s('delivery_point');
  for (const field of ['weight_grams', 'length_cm', 'width_cm', 'height_cm'] as const) {
    if (changed(s(field), pkg[field])) fix[field] = Number(s(field));
  }
  return packageFix.parse(fix);
}

/** The hop's two forms (under /orders, behind the panel's session, origin and role checks). */
export function deliveryHopRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();
  const back = (c: WebContext, orderId: number, query: string) =>
    c.redirect(`/orders/${orderId}/trace?${query}#delivery-hop`, 303);

  app.post('/orders/:id/delivery/:packageId/:action{retry|made-by-hand}', async (c) => {
    const v = viewOf(c);
    const orderId = intParam(c.req.param('id'));
    const packageId = intParam(c.req.param('packageId'));
    if (!orderId || !packageId)
      throw new DomainError('NOT_FOUND', v.t('orders.notFound', { id: c.req.param('id') ?? '' }), 404);
    const [pkg] = (await findPackages(hub.db, { orderId, limit: 20, offset: 0 })).items.filter(
      (p) => p.id === packageId,
    );
    if (!pkg) throw new DomainError('NOT_FOUND', v.t('delivery.notFound', { id: packageId }), 404);
    const body = await c.req.parseBody();
    const actor = c.get('actor').name;
    try {
      if (c.req.param('action') === 'retry') {
        await retryPackage(hub, packageId, fixOfForm(body, pkg), actor);
        return back(c, orderId, 'delivery_done=retry');
      }
      await markMadeByHand(hub, packageId, typeof body.tracking_number === 'string' ? body.tracking_number : '', actor);
      return back(c, orderId, 'delivery_done=made');
    } catch (error) {
      const said =
        error instanceof z.ZodError
          ? Object.entries(zodFieldErrors(v.lang, error))
              .map(([field, text]) => `${field}: ${text}`)
              .join('; ')
          : error instanceof DomainError && error.status !== 404
            ? localize(v.lang, error)
            : null;
      if (said === null) throw error;
      return back(c, orderId, `delivery_error=${encodeURIComponent(said)}`);
    }
  });
  return app;
}
