import { Hono } from 'hono';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { importKinds, Mapping, type Field as ImportField, type ImportKind } from '../../imports/fields.ts';
import type { ImportCounts } from '../../imports/run.ts';
import { rowErrorText } from '../../imports/said.ts';
import { createImport, getImport, listImports, startImport, type ImportView } from '../../imports/service.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { isKey, t as say } from '../i18n.ts';
import { renderFragment, renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import {
  Badge,
  Empty,
  Field,
  formatDateTime,
  formatNumber,
  intParam,
  key,
  Notice,
  num,
  offsetParam,
  Pager,
  Select,
  Stat,
  Table,
} from '../ui.tsx';

/**
 * The bulk import (issue 20, docs/decisions/191-bulk-import.md): choose products or stock and
 * upload a CSV or XLSX file (panel.js sends it with a progress bar), see its header and first
 * rows with the field of each column preselected from its header, change what is wrong and apply;
 * the import's page then reloads its status every second until the job has checked and written
 * the file: the counts, or the rows refused by line, with nothing written.
 */

const ERRORS_PAGE = 50;
const running = new Set<ImportView['state']>(['queued', 'validating', 'applying']);
const appliable = new Set<ImportView['state']>(['uploaded', 'invalid', 'failed']);

const kindOf = (value: unknown): ImportKind =>
  importKinds.includes(value as ImportKind) ? (value as ImportKind) : 'products';

export function importPageRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  // A refused upload is shown again with why (200, as the panel's other forms: the page is the answer).
  const showForm = async (c: WebContext, kind: ImportKind, problem?: string) => {
    const v = viewOf(c);
    return renderPage(
      c,
      v.t('imports.title'),
      <ImportForm v={v} kind={kind} problem={problem} recent={await listImports(hub.db)} />,
    );
  };

  app.get('/imports', (c) => showForm(c, kindOf(c.req.query('kind'))));

  app.post('/imports', async (c) => {
    const body = await c.req.parseBody();
    const kind = kindOf(body.kind);
    const file = body.file;
    if (!(file instanceof File) || (!file.name && !file.size)) return showForm(c, kind, viewOf(c).t('imports.noFile'));
    try {
      const id = await createImport(
        hub.db,
        { kind, fileName: file.name, content: new Uint8Array(await file.arrayBuffer()) },
        c.get('actor').name,
      );
      return c.redirect(`/imports/${id}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return showForm(c, kind, localize(viewOf(c).lang, error));
    }
  });

  const showImport = async (c: WebContext, id: number, problem?: string) => {
    const v = viewOf(c);
    const offset = offsetParam(c.req.query('offset'));
    const view = await getImport(hub.db, id, { limit: ERRORS_PAGE, offset });
    return renderPage(
      c,
      v.t('imports.import', { id }),
      <ImportPage v={v} view={view} offset={offset} problem={problem} />,
    );
  };

  app.get('/imports/:id', (c) => showImport(c, importId(c)));

  // htmx reloads this every second while the import's job runs.
  app.get('/imports/:id/status', async (c) => {
    const offset = offsetParam(c.req.query('offset'));
    const view = await getImport(hub.db, importId(c), { limit: ERRORS_PAGE, offset });
    return renderFragment(c, <ImportStatus v={viewOf(c)} view={view} offset={offset} />);
  });

  app.post('/imports/:id/apply', async (c) => {
    const id = importId(c);
    const body = await c.req.parseBody();
    const { columns } = await getImport(hub.db, id, { limit: 1, offset: 0 });
    const mapping = Mapping.safeParse(columns.map((_, i) => body[`col${i}`]));
    if (!mapping.success) return showImport(c, id, localize(viewOf(c).lang, mapping.error.issues[0]?.message ?? ''));
    try {
      await startImport(hub, id, mapping.data);
      return c.redirect(`/imports/${id}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return showImport(c, id, refusalText(viewOf(c), error));
    }
  });
  return app;
}

const importId = (c: WebContext) => {
  const id = intParam(c.req.param('id'));
  if (!id) throw new DomainError('NOT_FOUND', `Import ${c.req.param('id')} does not exist`, 404);
  return id;
};

type Recent = Awaited<ReturnType<typeof listImports>>;

function ImportForm({ v, kind, problem, recent }: { v: View; kind: ImportKind; problem?: string; recent: Recent }) {
  const { t } = v;
  return (
    <>
      <div class="page-head">
        <h1>{t('imports.title')}</h1>
      </div>
      <p class="hint-text">{t('imports.intro')}</p>
      <div data-upload-problem>{problem && <Notice kind="error">{problem}</Notice>}</div>
      {v.canWrite ? (
        <form
          method="post"
          action="/imports"
          enctype="multipart/form-data"
          class="card"
          id="import-form"
          data-upload-progress="upload-progress"
        >
          <div class="grid grid-2">
            <Select
              name="kind"
              label={t('imports.kind')}
              value={kind}
              options={importKinds.map((k) => ({ value: k, label: t(`imports.kind.${k}`) }))}
            />
            <Field
              name="file"
              type="file"
              label={t('imports.file')}
              hint={t('imports.fileHint')}
              required
              attrs={{
                accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
              }}
            />
          </div>
          <div id="upload-progress" hidden>
            <div
              class="progress"
              role="status"
              aria-live="polite"
              data-state="queued"
              data-label-running={t('imports.uploading')}
              data-label-sent={t('imports.uploaded')}
              data-label-failed={t('imports.uploadFailed')}
            >
              <div class="progress-bar">
                <span></span>
              </div>
              <span class="progress-text"></span>
            </div>
          </div>
          <div class="actions">
            <button type="submit">{t('imports.upload')}</button>
          </div>
        </form>
      ) : (
        <Notice kind="info">{t('common.readonlyNote')}</Notice>
      )}
      <section class="card">
        <h2>{t('imports.recent')}</h2>
        {recent.length === 0 ? (
          <Empty>{t('imports.none')}</Empty>
        ) : (
          <Table
            label={t('imports.recent')}
            id="imports"
            columns={[
              key('#'),
              key(t('imports.fileName')),
              t('imports.what'),
              key(t('common.status')),
              num(t('imports.rows')),
              num(t('imports.errors')),
              t('common.when'),
            ]}
          >
            {recent.map((i) => (
              <tr data-import={i.id} data-state={i.state}>
                <td>
                  <a href={`/imports/${i.id}`}>{i.id}</a>
                </td>
                <td class="mono" style="overflow-wrap:anywhere">
                  {i.file_name}
                </td>
                <td>{t(`imports.kind.${i.kind}`)}</td>
                <td>
                  <StateBadge v={v} state={i.state as ImportView['state']} />
                </td>
                <td class="num">{formatNumber(v, i.rows_total)}</td>
                <td class="num">{formatNumber(v, i.errors_total)}</td>
                <td>
                  <small>{formatDateTime(v, i.created_at)}</small>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}

const stateTone = {
  uploaded: 'muted',
  queued: 'muted',
  validating: 'info',
  applying: 'info',
  applied: 'ok',
  invalid: 'warn',
  failed: 'bad',
} as const;

function StateBadge({ v, state }: { v: View; state: ImportView['state'] }) {
  return <Badge tone={stateTone[state] ?? 'muted'}>{v.t(`imports.state.${state}`)}</Badge>;
}

function ImportPage({ v, view, offset, problem }: { v: View; view: ImportView; offset: number; problem?: string }) {
  const { t } = v;
  return (
    <>
      <div class="page-head">
        <h1>{t('imports.import', { id: view.id })}</h1>
        <a class="button ghost" href={`/imports?kind=${view.kind}`}>
          {t('imports.another')}
        </a>
      </div>
      <p>
        <span class="mono" style="overflow-wrap:anywhere">
          {view.file_name}
        </span>
        {' · '}
        {t(`imports.kind.${view.kind}`)} · {view.format.toUpperCase()}
        {' · '}
        <small>{t('imports.uploadedBy', { at: formatDateTime(v, view.created_at), actor: view.actor })}</small>
      </p>
      {problem && <Notice kind="error">{problem}</Notice>}
      <ImportStatus v={v} view={view} offset={offset} />
      <Preview v={v} view={view} />
    </>
  );
}

/** The state, and what it leads to: the mapping to apply, the job's progress, the counts or the refused rows. */
function ImportStatus({ v, view, offset }: { v: View; view: ImportView; offset: number }) {
  const polling = running.has(view.state)
    ? {
        'hx-get': `/imports/${view.id}/status${offset ? `?offset=${offset}` : ''}`,
        'hx-trigger': 'every 1s',
        'hx-swap': 'outerHTML',
      }
    : {};
  return (
    <div id="import-status" data-state={view.state} {...polling}>
      <p>
        <StateBadge v={v} state={view.state} />
      </p>
      {running.has(view.state) && <Progress v={v} view={view} />}
      {view.state === 'applied' && <Counts v={v} view={view} />}
      {view.state === 'failed' && (
        <Notice kind="error">
          {v.t('imports.failed', { error: view.error ? localize(v.lang, view.error) : view.state })}
        </Notice>
      )}
      {view.state === 'invalid' && <RowErrors v={v} view={view} offset={offset} />}
      {appliable.has(view.state) && v.canWrite && <MappingForm v={v} view={view} />}
    </div>
  );
}

/** The job's progress as it last wrote it: rows read while checking, then rows written of all. */
function Progress({ v, view }: { v: View; view: ImportView }) {
  const p = view.progress ?? {};
  const done = typeof p.done === 'number' ? p.done : 0;
  const total = typeof p.total === 'number' && p.total > 0 ? p.total : null;
  const note = p.note === 'validating' || p.note === 'applying' ? p.note : null;
  const percent =
    view.state === 'applying' && total
      ? Math.min(99, Math.round((done / total) * 100))
      : view.state === 'queued'
        ? 2
        : 10;
  const text = note
    ? v.t(`import.note.${note}`, { done: formatNumber(v, done), total: formatNumber(v, total) })
    : v.t('imports.waiting');
  return (
    <div class="card">
      <h2>{v.t('imports.progress')}</h2>
      <div
        class="progress"
        role="status"
        aria-live="polite"
        data-state="running"
        data-done={done}
        data-total={total ?? undefined}
      >
        <div class="progress-bar">
          <span style={`width:${percent}%`}></span>
        </div>
        <span class="progress-text">{text}</span>
      </div>
    </div>
  );
}

function Counts({ v, view }: { v: View; view: ImportView }) {
  const c = view.counts as Partial<ImportCounts>;
  const shown: (keyof ImportCounts)[] =
    view.kind === 'products'
      ? ['rows', 'created', 'updated', 'unchanged', 'prices', 'movements']
      : ['rows', 'movements'];
  return (
    <>
      <section class="stats" aria-label={v.t('imports.title')}>
        {shown.map((name) => (
          <Stat name={name} value={formatNumber(v, c[name] ?? 0)} label={v.t(`imports.${name}`)} />
        ))}
      </section>
      <p class="actions">
        <a class="button ghost" href={view.kind === 'products' ? '/products' : '/stock'}>
          {v.t(view.kind === 'products' ? 'imports.toProducts' : 'imports.toStock')}
        </a>
      </p>
    </>
  );
}

/** A refused apply in the seller's language: a mapping's problem by the words' key its details keep, its field in words. */
function refusalText(v: View, error: DomainError): string {
  const said = (error.details as { said?: { key?: unknown; params?: Record<string, unknown> } } | undefined)?.said;
  const word = `import.${String(said?.key)}`;
  if (!said || !isKey(word)) return localize(v.lang, error);
  const params =
    typeof said.params?.field === 'string'
      ? { ...said.params, field: fieldLabel(v, said.params.field as ImportField) }
      : said.params;
  return localize(v.lang, new DomainError(error.code, say(word, v.lang, params), undefined, error.details));
}

function RowErrors({ v, view, offset }: { v: View; view: ImportView; offset: number }) {
  const { t } = v;
  const kept = Math.min(view.errors_total, 1000);
  return (
    <section class="card">
      <h2>{t('imports.errors')}</h2>
      <Notice kind="warn">{t('imports.errorsNote')}</Notice>
      {view.errors_total > kept && (
        <p class="hint-text">
          {t('imports.errorsKept', { total: formatNumber(v, view.errors_total), kept: formatNumber(v, kept) })}
        </p>
      )}
      <Table
        label={t('imports.errors')}
        id="import-errors"
        columns={[key(num(t('imports.line'))), key(t('imports.column')), key(t('imports.problem'))]}
      >
        {view.errors.map((e) => (
          <tr data-line={e.line}>
            <td class="num">{e.line}</td>
            <td style="overflow-wrap:anywhere">{e.field ?? t('common.none')}</td>
            <td>{rowErrorText(v.lang, e)}</td>
          </tr>
        ))}
      </Table>
      <Pager v={v} total={kept} limit={ERRORS_PAGE} offset={offset} params={{}} base={`/imports/${view.id}`} />
    </section>
  );
}

/** A field in the seller's words: `attribute:Цвет` is «атрибут «Цвет»», `stock:MAIN` «остаток на складе MAIN». */
function fieldLabel(v: View, field: ImportField): string {
  if (field.startsWith('attribute:')) return v.t('imports.f.attribute', { key: field.slice(10) });
  if (field.startsWith('stock:')) return v.t('imports.f.stock', { code: field.slice(6) });
  return v.t(`imports.f.${field as Exclude<ImportField, `attribute:${string}` | `stock:${string}`>}`);
}

const headerOf = (v: View, columns: string[], i: number) => columns[i] || v.t('imports.unnamed', { n: i + 1 });

/** One row per column of the file: its header, a few of its values, and the field it goes to (the suggestion preselected). */
function MappingForm({ v, view }: { v: View; view: ImportView }) {
  const { t } = v;
  const options = (current: ImportField) => {
    // The mapping may name a field the list does not (an attribute whose header was renamed): it stays choosable.
    const fields = view.fields.includes(current) ? view.fields : [...view.fields, current];
    return fields.map((f) => ({ value: f, label: fieldLabel(v, f) }));
  };
  return (
    <form method="post" action={`/imports/${view.id}/apply`} class="card" id="mapping-form" data-busy>
      <h2>{t('imports.mapping')}</h2>
      <p class="hint-text">{t('imports.mappingHint')}</p>
      <Table
        label={t('imports.mapping')}
        id="mapping"
        columns={[key(t('imports.column')), t('imports.examples'), key(t('imports.field'))]}
      >
        {view.columns.map((_, i) => (
          <tr data-column={i}>
            <td style="overflow-wrap:anywhere">
              <b>{headerOf(v, view.columns, i)}</b>
            </td>
            <td style="overflow-wrap:anywhere">
              <small>{examplesOf(view, i)}</small>
            </td>
            <td>
              <select name={`col${i}`} aria-label={t('imports.fieldOf', { column: headerOf(v, view.columns, i) })}>
                {options(view.mapping[i] ?? 'ignore').map((o) => (
                  <option value={o.value} selected={o.value === (view.mapping[i] ?? 'ignore')}>
                    {o.label}
                  </option>
                ))}
              </select>
            </td>
          </tr>
        ))}
      </Table>
      <p class="hint-text">{t('imports.applyHint')}</p>
      <div class="actions">
        <button type="submit">{t('imports.apply')}</button>
      </div>
    </form>
  );
}

const examplesOf = (view: ImportView, i: number) =>
  view.sample
    .map((r) => (r.cells[i] ?? '').trim())
    .filter(Boolean)
    .slice(0, 3)
    .join(' · ');

/** The header and the first rows as the file has them. */
function Preview({ v, view }: { v: View; view: ImportView }) {
  const { t } = v;
  return (
    <section class="card">
      <h2>{t('imports.preview')}</h2>
      {view.sample.length === 0 ? (
        <Empty>{t('imports.noRows')}</Empty>
      ) : (
        <Table
          label={t('imports.preview')}
          id="preview"
          columns={[num(t('imports.line')), ...view.columns.map((_, i) => headerOf(v, view.columns, i))]}
        >
          {view.sample.map((r) => (
            <tr data-line={r.line}>
              <td class="num">{r.line}</td>
              {view.columns.map((_, i) => (
                <td style="overflow-wrap:anywhere">{r.cells[i] ?? ''}</td>
              ))}
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
