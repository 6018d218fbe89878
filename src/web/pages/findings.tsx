import { Hono } from 'hono';
import { listAccounts } from '../../channels/core/accounts.ts';
import { moduleFor } from '../../channels/core/module.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import {
  applyFix,
  findingKinds,
  fixAll,
  listFindings,
  type FindingKind,
  type FindingRow,
} from '../../reconcile/findings.ts';
import { reconciles, startReconcile } from '../../reconcile/jobs.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import { Badge, channelName, Empty, formatDateTime, intParam, Notice, Table } from '../ui.tsx';

/**
 * What the reconciler found (issue 22): open findings by kind and account, each with the fix
 * it offers and a link to the order's trace, "fix all of this kind", and a check-now button
 * per sales channel account. The forms post here and come back with what happened.
 */

const isKind = (k: string | undefined): k is FindingKind => findingKinds.includes(k as FindingKind);

export function findingRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/findings', async (c) => {
    const v = viewOf(c);
    const kind = c.req.query('kind');
    const accountId = intParam(c.req.query('account'));
    const [open, accounts] = await Promise.all([
      listFindings(hub.db, { state: 'open', kind: isKind(kind) ? kind : undefined, account_id: accountId }),
      listAccounts(hub.db),
    ]);
    const sales = accounts.filter(
      (a) => a.status === 'active' && moduleFor(a.channel) && reconciles(moduleFor(a.channel)!),
    );
    const notice = { done: c.req.query('done'), n: c.req.query('n'), error: c.req.query('error') };
    return renderPage(c, v.t('findings.title'), <FindingsPage v={v} open={open} accounts={sales} notice={notice} />);
  });

  const back = (c: WebContext, query: Record<string, string>) =>
    c.redirect(`/findings?${new URLSearchParams(query)}`, 303);
  const attempt = async (c: WebContext, work: () => Promise<Record<string, string>>) => {
    try {
      return back(c, await work());
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return back(c, { error: localize(viewOf(c).lang, error) });
    }
  };

  app.post('/findings/run/:accountId', (c) =>
    attempt(c, async () => {
      const job = await startReconcile(hub, intParam(c.req.param('accountId')) ?? 0);
      return { done: 'run', n: String(job.job_id) };
    }),
  );

  app.post('/findings/fix-all', async (c) => {
    const body = await c.req.parseBody();
    const kind = typeof body.kind === 'string' ? body.kind : undefined;
    if (!isKind(kind)) return back(c, {});
    const accountId = intParam(typeof body.account_id === 'string' ? body.account_id : undefined);
    return attempt(c, async () => {
      const result = await fixAll(hub, kind, accountId, c.get('actor').name);
      return {
        done: 'fixed',
        n: String(result.fixed),
        ...(result.failed.length ? { error: result.failed.map((f) => `#${f.id}: ${f.error}`).join('; ') } : {}),
      };
    });
  });

  app.post('/findings/:id/fix', (c) =>
    attempt(c, async () => {
      await applyFix(hub, intParam(c.req.param('id')) ?? 0, c.get('actor').name);
      return { done: 'fixed', n: '1' };
    }),
  );

  return app;
}

interface Notices {
  done?: string;
  n?: string;
  error?: string;
}

function FindingsPage({
  v,
  open,
  accounts,
  notice,
}: {
  v: View;
  open: FindingRow[];
  accounts: { id: number; name: string; channel: string }[];
  notice: Notices;
}) {
  const { t } = v;
  const groups = new Map<string, FindingRow[]>();
  for (const f of open)
    groups.set(`${f.kind}:${f.account_id}`, [...(groups.get(`${f.kind}:${f.account_id}`) ?? []), f]);
  return (
    <>
      <h1>{t('findings.title')}</h1>
      <p class="hint-text">{t('findings.intro')}</p>
      {notice.done === 'run' && <Notice kind="success">{t('findings.queued', { id: notice.n ?? '' })}</Notice>}
      {notice.done === 'fixed' && <Notice kind="success">{t('findings.fixed', { n: notice.n ?? '0' })}</Notice>}
      {notice.error && <Notice kind="error">{notice.error}</Notice>}
      <section class="card" id="reconcile-accounts">
        <h2>{t('findings.accounts')}</h2>
        {accounts.length ? (
          <ul class="plain">
            {accounts.map((a) => (
              <li data-account={a.id}>
                {a.name} · {channelName(a.channel)}{' '}
                {v.canWrite && (
                  <form method="post" action={`/findings/run/${a.id}`} class="inline-form">
                    <button type="submit" class="button secondary">
                      {t('findings.run')}
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p class="hint-text">{t('findings.noAccounts')}</p>
        )}
      </section>
      {open.length ? (
        [...groups.values()].map((list) => <Group v={v} list={list} />)
      ) : (
        <Empty>{t('findings.none')}</Empty>
      )}
    </>
  );
}

function Group({ v, list }: { v: View; list: FindingRow[] }) {
  const { t } = v;
  const [first] = list;
  return (
    <section class="card" data-kind={first.kind} data-account={first.account_id}>
      <h2>
        {t(`findings.kind.${first.kind}`)} · {first.account_name ?? first.account_id}{' '}
        <Badge tone="warn">{list.length}</Badge>
      </h2>
      {v.canWrite && first.fix && (
        <form method="post" action="/findings/fix-all" class="inline-form">
          <input type="hidden" name="kind" value={first.kind} />
          <input type="hidden" name="account_id" value={String(first.account_id)} />
          <button type="submit" class="button">
            {t('findings.fixAll')}
          </button>
        </form>
      )}
      <Table
        label={t(`findings.kind.${first.kind}`)}
        columns={[t('findings.order'), t('findings.detail'), t('findings.since'), t('findings.fix')]}
      >
        {list.map((f) => (
          <tr data-finding={f.id}>
            <td>
              {f.order_id ? (
                <a href={`/orders/${f.order_id}/trace`}>{t('findings.trace', { id: f.order_id })}</a>
              ) : (
                <span class="mono">{f.key}</span>
              )}
            </td>
            <td>
              {f.detail}
              {f.fix_error && <div class="error-text">{f.fix_error}</div>}
            </td>
            <td>{formatDateTime(v, f.first_seen_at)}</td>
            <td>
              {f.fix && v.canWrite ? (
                <form method="post" action={`/findings/${f.id}/fix`} class="inline-form">
                  <button type="submit" class="button secondary">
                    {t(`findings.fix.${f.fix}`)}
                  </button>
                </form>
              ) : (
                <span class="hint-text">{f.fix ? t(`findings.fix.${f.fix}`) : t('findings.manual')}</span>
              )}
            </td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
