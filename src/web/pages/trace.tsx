import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { listAccounts } from '../../channels/core/accounts.ts';
import { moduleFor } from '../../channels/core/module.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { DomainError } from '../../shared/errors.ts';
import { appendComment, findOrders, reexportOrder, reimportOrder } from '../../support/actions.ts';
import { orderTrace, type HopState, type OrderTrace } from '../../support/trace.ts';
import { viewOf, type View } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { DeliveryHop, deliveryHopOf, deliveryHopRoutes, deliveryNoticeOf } from './delivery-hop.tsx';
import { localize } from '../messages.ts';
import { Badge, Empty, Field, formatDateTime, intParam, key, Notice, Select, Table } from '../ui.tsx';

/**
 * The support tools in the panel (seed 004): find an order by any id (/support), its trace
 * (/orders/:id/trace: marketplace → Sklad → CRM → delivery, outbox events and errors, every
 * request and answer about it) with the actions above it, and the re-import of an order Sklad
 * does not have.
 */

const hopTone: Record<HopState, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  ok: 'ok',
  pending: 'info',
  error: 'bad',
  none: 'muted',
};
const actions = ['re-export', 'change-status', 'comment'] as const;
type Action = (typeof actions)[number];

export function traceRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();
  // The delivery hop's own forms (fix and retry, made by hand): /orders/:id/delivery/:package/…
  app.route('/', deliveryHopRoutes(hub));

  app.get('/orders/:id/trace', async (c) => {
    const v = viewOf(c);
    const id = intParam(c.req.param('id'));
    if (!id) throw new DomainError('NOT_FOUND', v.t('orders.notFound', { id: c.req.param('id') ?? '' }), 404);
    let trace: OrderTrace;
    try {
      trace = await orderTrace(hub, id);
    } catch (error) {
      if (error instanceof DomainError && error.status === 404)
        throw new DomainError('NOT_FOUND', v.t('orders.notFound', { id }), 404);
      throw error;
    }
    const done = c.req.query('done');
    const failed = c.req.query('error');
    const packages = await deliveryHopOf(hub.db, id);
    return renderPage(
      c,
      `${v.t('trace.title')} ${trace.order.posting_number ?? trace.order.external_id}`,
      <TracePage v={v} trace={trace} done={done} failed={failed}>
        {packages.length > 0 && <DeliveryHop v={v} orderId={id} packages={packages} notice={deliveryNoticeOf(c)} />}
      </TracePage>,
    );
  });

  app.post('/orders/:id/trace/:action', async (c) => {
    const v = viewOf(c);
    const id = intParam(c.req.param('id'));
    const action = c.req.param('action') as Action;
    if (!id || !actions.includes(action))
      throw new DomainError('NOT_FOUND', v.t('orders.notFound', { id: c.req.param('id') ?? '' }), 404);
    const body = await c.req.parseBody();
    const actor = c.get('actor').name;
    try {
      if (action === 'comment')
        await appendComment(hub, String(id), actor, typeof body.text === 'string' ? body.text : undefined);
      else await reexportOrder(hub, String(id), actor, action === 're-export' ? 're_export' : 'change_order_status');
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return c.redirect(`/orders/${id}/trace?error=${encodeURIComponent(localize(v.lang, error))}`, 303);
    }
    return c.redirect(`/orders/${id}/trace?done=${action}`, 303);
  });

  app.get('/support', async (c) => {
    const v = viewOf(c);
    const q = (c.req.query('q') ?? '').trim().slice(0, 200);
    const found = q ? await findOrders(hub, q) : [];
    if (found.length === 1 && !c.req.query('error')) return c.redirect(`/orders/${found[0].id}/trace`, 303);
    const accounts = (await listAccounts(hub.db)).filter(
      (a) => a.status === 'active' && moduleFor(a.channel)?.connector.fetchOrder,
    );
    return renderPage(
      c,
      v.t('trace.findTitle'),
      <SupportPage v={v} q={q} found={found} accounts={accounts} failed={c.req.query('error')} />,
    );
  });

  app.post('/support/reimport', async (c) => {
    const v = viewOf(c);
    const body = await c.req.parseBody();
    const accountId = intParam(typeof body.account_id === 'string' ? body.account_id : undefined);
    const number = typeof body.number === 'string' ? body.number.trim() : '';
    const back = (message: string) =>
      c.redirect(`/support?q=${encodeURIComponent(number)}&error=${encodeURIComponent(message)}`, 303);
    if (!accountId || !number) return back(v.t('trace.reimportMissing'));
    try {
      const result = await reimportOrder(hub, accountId, number, c.get('actor').name);
      return c.redirect(`/orders/${result.order_id}/trace?done=reimport`, 303);
    } catch (error) {
      if (error instanceof DomainError) return back(localize(v.lang, error));
      throw error;
    }
  });
  return app;
}

function SupportPage({
  v,
  q,
  found,
  accounts,
  failed,
}: {
  v: View;
  q: string;
  found: Awaited<ReturnType<typeof findOrders>>;
  accounts: Awaited<ReturnType<typeof listAccounts>>;
  failed?: string;
}) {
  const { t } = v;
  return (
    <>
      <header class="page-head">
        <h1>{t('trace.findTitle')}</h1>
      </header>
      <section class="card">
        <form method="get" action="/support" class="inline-form" role="search">
          <Field
            name="q"
            label={t('trace.findLabel')}
            value={q}
            hint={t('trace.findHint')}
            required
            attrs={{ autofocus: true }}
          />
          <button type="submit">{t('common.search')}</button>
        </form>
      </section>
      {failed && <Notice kind="error">{failed}</Notice>}
      {q && found.length > 1 && (
        <section class="card">
          <Table
            label={t('trace.found')}
            columns={[t('orders.number'), t('orders.channel'), t('orders.posting'), t('orders.status')]}
          >
            {found.map((o) => (
              <tr>
                <td data-label={t('orders.number')}>
                  <a href={`/orders/${o.id}/trace`}>{o.external_id}</a>
                </td>
                <td data-label={t('orders.channel')}>{moduleFor(o.channel)?.connector.title ?? o.channel}</td>
                <td class="mono" data-label={t('orders.posting')}>
                  {o.posting_number ?? '—'}
                </td>
                <td data-label={t('orders.status')}>{o.status}</td>
              </tr>
            ))}
          </Table>
        </section>
      )}
      {q && !found.length && (
        <section class="card" id="reimport">
          <Empty>{t('trace.notFound', { q })}</Empty>
          {accounts.length ? (
            <form method="post" action="/support/reimport" class="stack">
              <p>{t('trace.reimportHint')}</p>
              <Select
                name="account_id"
                label={t('trace.account')}
                required
                options={accounts.map((a) => ({
                  value: a.id,
                  label: `${a.name} · ${moduleFor(a.channel)?.connector.title} (${moduleFor(a.channel)?.support?.fetchOrderAction ?? 'fetch_order'})`,
                }))}
              />
              <Field name="number" label={t('trace.number')} value={q} required />
              <button type="submit">{t('trace.reimport')}</button>
            </form>
          ) : (
            <p class="hint-text">{t('trace.noReimport')}</p>
          )}
        </section>
      )}
    </>
  );
}

function TracePage({
  v,
  trace,
  done,
  failed,
  children,
}: {
  v: View;
  trace: OrderTrace;
  done?: string;
  failed?: string;
  children?: Child;
}) {
  const { t } = v;
  const o = trace.order;
  const post = (action: Action, label: string) => (
    <form method="post" action={`/orders/${o.id}/trace/${action}`} class="inline-form">
      <button type="submit" name="do" value={action}>
        {label}
      </button>
    </form>
  );
  return (
    <>
      <header class="page-head">
        <h1>
          {t('trace.title')} <span class="mono">{o.posting_number ?? o.external_id}</span>
        </h1>
        <p>
          <a href={`/orders/${o.id}`}>{t('trace.toOrder')}</a> · {o.channel_title}
          {o.account_name && ` · ${o.account_name}`} · <span class="mono">{o.key}</span>
        </p>
      </header>
      {done && <Notice kind="success">{t(`trace.done.${done}` as 'trace.done.re-export')}</Notice>}
      {failed && <Notice kind="error">{failed}</Notice>}
      <section class="card" id="trace-actions">
        <h2>{t('trace.actions')}</h2>
        <div class="actions">
          {trace.actions.reexport && post('re-export', t('trace.reexport'))}
          {trace.actions.change_status && post('change-status', t('trace.changeStatus'))}
          {trace.actions.append_comment && post('comment', t('trace.appendComment'))}
          {trace.actions.reimport && o.account_id && (
            <form method="post" action="/support/reimport" class="inline-form">
              <input type="hidden" name="account_id" value={String(o.account_id)} />
              <input type="hidden" name="number" value={o.posting_number ?? o.external_id} />
              <button type="submit">
                {t('trace.reimportAgain')} (<code>{trace.actions.reimport}</code>)
              </button>
            </form>
          )}
          {!trace.actions.reexport && <p class="hint-text">{t('trace.noCrm')}</p>}
        </div>
      </section>
      <section class="card">
        <h2>{t('trace.path')}</h2>
        <ol class="trace-path" id="trace-hops">
          {trace.hops.map((hop) => (
            <li data-hop={hop.hop} data-state={hop.state}>
              <div class="trace-hop-head">
                <strong>{t(`trace.hop.${hop.hop}`)}</strong>{' '}
                <Badge tone={hopTone[hop.state]}>{t(`trace.state.${hop.state}`)}</Badge>
              </div>
              {hop.at && <small>{formatDateTime(v, hop.at)}</small>}
              <dl class="facts">
                {Object.entries(hop.detail)
                  .filter(([, value]) => value !== null && value !== '')
                  .map(([key, value]) => (
                    <>
                      <dt>{t(`trace.detail.${key}` as 'trace.detail.state')}</dt>
                      <dd class="mono">{String(value)}</dd>
                    </>
                  ))}
              </dl>
              {hop.error && <div class="error-text">{hop.error}</div>}
            </li>
          ))}
        </ol>
      </section>
      {children}
      <section class="card" id="trace-events">
        <h2>{t('trace.events')}</h2>
        {trace.events.length ? (
          <Table
            label={t('trace.events')}
            columns={[
              key(t('trace.event')),
              key(t('trace.eventState')),
              key(t('trace.attempts')),
              t('trace.created'),
              key(t('trace.errors')),
            ]}
          >
            {trace.events.map((e) => (
              <tr data-event={e.name} data-state={e.state}>
                <td class="mono" data-label={t('trace.event')}>
                  #{e.id} {e.name}
                </td>
                <td data-label={t('trace.eventState')}>
                  <Badge tone={e.state === 'done' ? 'ok' : e.state === 'dead' ? 'bad' : 'info'}>
                    {t(`trace.event.${e.state}`)}
                  </Badge>
                </td>
                <td class="num" data-label={t('trace.attempts')}>
                  {e.attempts}
                </td>
                <td data-label={t('trace.created')}>{formatDateTime(v, e.created_at)}</td>
                <td data-label={t('trace.errors')}>
                  {e.errors.length ? (
                    <ul class="plain">
                      {e.errors.map((x) => (
                        <li class="error-text">
                          {t('trace.attempt', { n: x.attempt })} · {formatDateTime(v, x.at)}{' '}
                          {x.http_status && `· HTTP ${x.http_status}`} · {x.error}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </Table>
        ) : (
          <Empty>{t('trace.noEvents')}</Empty>
        )}
      </section>
      <section class="card" id="trace-calls">
        <h2>{t('trace.calls')}</h2>
        {trace.calls.length ? (
          <ul class="plain trace-calls">
            {trace.calls.map((call) => (
              <li data-status={call.status ?? 'none'}>
                <details>
                  <summary>
                    <span class="mono">
                      {call.method} {call.url}
                    </span>{' '}
                    <Badge tone={call.status && call.status < 400 && !call.error ? 'ok' : 'bad'}>
                      {call.status ?? t('trace.noAnswer')}
                    </Badge>{' '}
                    <small>
                      {formatDateTime(v, call.at)} · {call.duration_ms} ms
                    </small>
                  </summary>
                  {call.error && <div class="error-text">{call.error}</div>}
                  <h3>{t('trace.request')}</h3>
                  <pre class="code">{call.request_body ?? '—'}</pre>
                  <h3>{t('trace.answer')}</h3>
                  <pre class="code">{call.response_body ?? '—'}</pre>
                </details>
              </li>
            ))}
          </ul>
        ) : (
          <Empty>{t('trace.noCalls')}</Empty>
        )}
      </section>
    </>
  );
}
