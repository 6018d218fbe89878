import { Hono } from 'hono';
import { listAccounts } from '../../channels/core/accounts.ts';
import { fileFormats, separators, type FileFormat, type Separator } from '../../exports/files.ts';
import {
  catalogDownload,
  feedAccounts,
  getCatalogExport,
  listCatalogExports,
  startCatalogExport,
  type ExportProblem,
  type ExportSummary,
  type ExportView,
} from '../../exports/service.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { wordsOr } from '../i18n.ts';
import { renderFragment, renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import {
  Badge,
  channelName,
  Empty,
  formatDateTime,
  formatNumber,
  intParam,
  key,
  Notice,
  num,
  Select,
  Stat,
  Table,
} from '../ui.tsx';

/**
 * The catalog export (seed 004 §3, Lamoda RU → KZ): choose the account the products come from
 * and the one they go to (accounts whose channel takes a catalog feed), then download the file
 * or start the export. An export's page follows its job's progress (server-sent events) and
 * reloads its feeds, errors and warnings every second until the channel is done.
 */

interface Choice {
  from?: number;
  to?: number;
  format: FileFormat;
  separator: Separator;
}

const separatorWords: Record<Separator, 'exports.sep.semicolon' | 'exports.sep.comma' | 'exports.sep.tab'> = {
  ';': 'exports.sep.semicolon',
  ',': 'exports.sep.comma',
  '\t': 'exports.sep.tab',
};

/** What the form sent; anything unknown falls back to the defaults. */
function choiceOf(values: Record<string, unknown>): Choice {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const separator = text('separator') === 'tab' ? '\t' : text('separator');
  return {
    from: intParam(text('from')),
    to: intParam(text('to')),
    format: fileFormats.includes(text('format') as FileFormat) ? (text('format') as FileFormat) : 'csv',
    separator: separators.includes(separator as Separator) ? (separator as Separator) : ';',
  };
}

const ended = (state: string) => state === 'finished' || state === 'failed';

export function exportPageRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  // A refused choice is shown again with why, as the panel's other forms do (200: the page is the answer).
  const showForm = async (c: WebContext, choice: Choice, problem?: string) => {
    const v = viewOf(c);
    const [sources, targets, recent] = await Promise.all([
      listAccounts(hub.db),
      feedAccounts(hub.db),
      listCatalogExports(hub.db),
    ]);
    const names = new Map(sources.map((a) => [a.id, a.name]));
    return renderPage(
      c,
      v.t('exports.title'),
      <ExportForm
        v={v}
        choice={choice}
        problem={problem}
        names={names}
        recent={recent}
        sources={sources.map((a) => ({ value: a.id, label: `${a.name} · ${channelName(a.channel)}` }))}
        targets={targets.map((a) => ({ value: a.id, label: `${a.name} · ${channelName(a.channel)}` }))}
      />,
    );
  };

  app.get('/exports', (c) => showForm(c, choiceOf(c.req.query())));

  // The form's download button: the file streams as it is read; a refusal shows the form again with why.
  app.get('/exports/file', async (c) => {
    const choice = choiceOf(c.req.query());
    if (!choice.from) return showForm(c, choice);
    try {
      const file = await catalogDownload(hub, {
        account: choice.from,
        to: choice.to,
        format: choice.format,
        separator: choice.separator,
      });
      return c.body(file.body, 200, {
        'content-type': file.type,
        'content-disposition': `attachment; filename="${file.name}"`,
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return showForm(c, choice, localize(viewOf(c).lang, error));
    }
  });

  app.post('/exports', async (c) => {
    const choice = choiceOf(await c.req.parseBody());
    if (!choice.from || !choice.to) return showForm(c, choice);
    try {
      const { id } = await startCatalogExport(
        hub,
        { from: choice.from, to: choice.to, format: choice.format, separator: choice.separator },
        c.get('actor').name,
      );
      return c.redirect(`/exports/${id}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return showForm(c, choice, localize(viewOf(c).lang, error));
    }
  });

  app.get('/exports/:id', async (c) => {
    const v = viewOf(c);
    const view = await getCatalogExport(hub.db, exportId(c));
    const names = new Map((await listAccounts(hub.db)).map((a) => [a.id, a.name]));
    return renderPage(c, v.t('exports.export', { id: view.id }), <ExportPage v={v} view={view} names={names} />);
  });

  // htmx reloads this every second while the export runs.
  app.get('/exports/:id/status', async (c) =>
    renderFragment(c, <ExportStatus v={viewOf(c)} view={await getCatalogExport(hub.db, exportId(c))} />),
  );
  return app;
}

const exportId = (c: WebContext) => {
  const id = intParam(c.req.param('id'));
  if (!id) throw new DomainError('NOT_FOUND', `Catalog export ${c.req.param('id')} does not exist`, 404);
  return id;
};

interface FormProps {
  v: View;
  choice: Choice;
  problem?: string;
  sources: { value: number; label: string }[];
  targets: { value: number; label: string }[];
  names: Map<number, string>;
  recent: ExportSummary[];
}

function ExportForm({ v, choice, problem, sources, targets, names, recent }: FormProps) {
  const { t } = v;
  return (
    <>
      <div class="page-head">
        <h1>{t('exports.title')}</h1>
      </div>
      <p class="hint-text">{t('exports.intro')}</p>
      {problem && <Notice kind="error">{problem}</Notice>}
      {targets.length === 0 && <Notice kind="info">{t('exports.noTargets')}</Notice>}
      <form method="post" action="/exports" class="card" id="export-form">
        <div class="grid grid-2">
          <Select name="from" label={t('exports.from')} value={choice.from} options={sources} required placeholder="" />
          <Select name="to" label={t('exports.to')} value={choice.to} options={targets} required placeholder="" />
          <Select
            name="format"
            label={t('exports.format')}
            value={choice.format}
            options={fileFormats.map((f) => ({ value: f, label: f.toUpperCase() }))}
          />
          <Select
            name="separator"
            label={t('exports.separator')}
            value={choice.separator === '\t' ? 'tab' : choice.separator}
            options={separators.map((s) => ({ value: s === '\t' ? 'tab' : s, label: t(separatorWords[s]) }))}
          />
        </div>
        <p class="hint-text">{t('exports.toHint')}</p>
        <div class="actions">
          <button type="submit" class="ghost" formmethod="get" formaction="/exports/file" formnovalidate>
            ↓ {t('exports.download')}
          </button>
          {v.canWrite && <button type="submit">{t('exports.start')}</button>}
        </div>
      </form>
      {!v.canWrite && <Notice kind="info">{t('common.readonlyNote')}</Notice>}
      <section class="card">
        <h2>{t('exports.recent')}</h2>
        {recent.length === 0 ? (
          <Empty>{t('exports.none')}</Empty>
        ) : (
          <Table
            label={t('exports.recent')}
            id="exports"
            columns={[
              key('#'),
              key(t('exports.route', { from: t('exports.from'), to: t('exports.to') })),
              key(t('common.status')),
              num(t('exports.sent')),
              key(t('common.when')),
            ]}
          >
            {recent.map((e) => (
              <tr data-export={e.id} data-state={e.state}>
                <td>
                  <a href={`/exports/${e.id}`}>{e.id}</a>
                </td>
                <td>
                  {t('exports.route', {
                    from: names.get(e.from_account_id) ?? `#${e.from_account_id}`,
                    to: names.get(e.to_account_id) ?? `#${e.to_account_id}`,
                  })}
                </td>
                <td>
                  <StateBadge v={v} state={e.state} />
                </td>
                <td class="num">{formatNumber(v, e.counts.sent)}</td>
                <td>
                  <small>{formatDateTime(v, e.created_at)}</small>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}

const stateTone = { queued: 'muted', sending: 'info', processing: 'info', finished: 'ok', failed: 'bad' } as const;

function StateBadge({ v, state }: { v: View; state: ExportSummary['state'] }) {
  return <Badge tone={stateTone[state]}>{wordsOr(v.t, `exports.state.${state}`, state)}</Badge>;
}

function ExportPage({ v, view, names }: { v: View; view: ExportView; names: Map<number, string> }) {
  const { t } = v;
  const file = new URLSearchParams({
    from: String(view.from_account_id),
    to: String(view.to_account_id),
    format: view.format,
  });
  if (view.separator) file.set('separator', view.separator === '\t' ? 'tab' : view.separator);
  return (
    <>
      <div class="page-head">
        <h1>{t('exports.export', { id: view.id })}</h1>
        <a class="button ghost" href={`/exports/file?${file}`}>
          ↓ {t('exports.fileAgain')}
        </a>
      </div>
      <p>
        {t('exports.route', {
          from: names.get(view.from_account_id) ?? `#${view.from_account_id}`,
          to: names.get(view.to_account_id) ?? `#${view.to_account_id}`,
        })}
        {' · '}
        <small>{t('exports.startedBy', { at: formatDateTime(v, view.created_at), actor: view.actor })}</small>
      </p>
      {view.job_id && <ExportProgress v={v} jobId={view.job_id} />}
      <ExportStatus v={v} view={view} />
    </>
  );
}

/** The job's live progress bar (panel.js follows the job's events). */
function ExportProgress({ v, jobId }: { v: View; jobId: number }) {
  return (
    <div class="card">
      <div
        class="progress"
        role="status"
        aria-live="polite"
        data-state="queued"
        data-job-events={`/api/v1/jobs/${jobId}/events`}
        data-label-queued={v.t('status.queued')}
        data-label-running={v.t('exports.running')}
        data-label-succeeded={v.t('exports.done')}
        data-label-failed={v.t('exports.retrying')}
        data-label-dead={v.t('exports.gaveUp')}
        data-label-cancelled={v.t('exports.gaveUp')}
      >
        <div class="progress-bar">
          <span></span>
        </div>
        <span class="progress-text">{v.t('status.queued')}</span>
      </div>
    </div>
  );
}

/** Counts, feeds, errors and warnings; reloads itself every second until the export has ended. */
function ExportStatus({ v, view }: { v: View; view: ExportView }) {
  const { t } = v;
  const c = view.counts;
  const polling = ended(view.state)
    ? {}
    : { 'hx-get': `/exports/${view.id}/status`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' };
  return (
    <div id="export-status" data-state={view.state} {...polling}>
      <p>
        <StateBadge v={v} state={view.state} />
        {view.error && <small class="error"> {view.error}</small>}
      </p>
      <section class="stats" aria-label={t('exports.title')}>
        <Stat name="products" value={formatNumber(v, c.products)} label={t('exports.products')} />
        <Stat name="sent" value={formatNumber(v, c.sent)} label={t('exports.sent')} />
        <Stat
          name="invalid"
          tone={c.invalid ? 'warn' : undefined}
          value={formatNumber(v, c.invalid)}
          label={t('exports.invalid')}
        />
        <Stat name="processed" value={formatNumber(v, c.processed)} label={t('exports.processed')} />
        <Stat
          name="failed"
          tone={c.failed ? 'bad' : undefined}
          value={formatNumber(v, c.failed)}
          label={t('exports.failed')}
        />
        <Stat
          name="warnings"
          tone={c.warnings ? 'warn' : undefined}
          value={formatNumber(v, c.warnings)}
          label={t('exports.warnings')}
        />
      </section>
      <section class="card">
        <h2>{t('exports.feeds')}</h2>
        {view.feeds.length === 0 ? (
          <Empty>{t('exports.noFeeds')}</Empty>
        ) : (
          <Table
            label={t('exports.feeds')}
            id="feeds"
            columns={[
              key(t('exports.feed')),
              key(t('common.status')),
              num(t('exports.processed')),
              key(num(t('exports.failed'))),
              t('exports.checked'),
            ]}
          >
            {view.feeds.map((f) => (
              <tr data-feed={f.feed_id} data-state={f.state}>
                <td class="mono" style="overflow-wrap:anywhere">
                  {f.feed_id}
                </td>
                <td>{wordsOr(t, `exports.feedState.${f.state}`, f.state)}</td>
                <td class="num">
                  {f.processed} / {f.total}
                </td>
                <td class="num">{f.failed}</td>
                <td>
                  <small>{formatDateTime(v, f.checked_at)}</small>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      <Problems
        v={v}
        id="errors"
        title={t('exports.errors')}
        empty={t('exports.noErrors')}
        items={view.errors}
        total={view.errors_total}
        exportId={view.id}
      />
      <Problems
        v={v}
        id="warnings"
        title={t('exports.warnings')}
        empty={t('exports.noWarnings')}
        items={view.warnings}
        total={view.warnings_total}
        exportId={view.id}
      />
    </div>
  );
}

interface ProblemsProps {
  v: View;
  id: string;
  title: string;
  empty: string;
  items: ExportProblem[];
  total: number;
  exportId: number;
}

function Problems({ v, id, title, empty, items, total, exportId }: ProblemsProps) {
  const { t } = v;
  return (
    <section class="card">
      <h2>{title}</h2>
      {items.length === 0 ? (
        <Empty>{empty}</Empty>
      ) : (
        <>
          <Table
            label={title}
            id={id}
            columns={[t('exports.sku'), t('exports.column'), t('exports.message'), t('exports.feed')]}
          >
            {items.map((p) => (
              <tr data-sku={p.sku ?? undefined}>
                <td class="mono">{p.sku ?? t('common.none')}</td>
                <td>{p.field ?? t('common.none')}</td>
                <td>{p.field ? t('exports.missing', { field: p.field }) : p.message}</td>
                <td class="mono" style="overflow-wrap:anywhere">
                  {p.feed_id ?? t('common.none')}
                </td>
              </tr>
            ))}
          </Table>
          {total > items.length && (
            <small class="hint">{t('exports.more', { shown: items.length, total, id: exportId })}</small>
          )}
        </>
      )}
    </section>
  );
}
