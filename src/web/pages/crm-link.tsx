import { Hono } from 'hono';
import { getAccount, listAccounts } from '../../channels/core/accounts.ts';
import { connectorContextFor } from '../../channels/core/context.ts';
import type { CrmStage } from '../../channels/core/crm.ts';
import { moduleFor } from '../../channels/core/module.ts';
import { crmChannels, crmLinkInput, listCrmLinks, setCrmLink, type CrmLinkRow } from '../../crm/links.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { orderStatuses } from '../../orders/service.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import { Field, intParam, Notice, Select, type FieldErrors } from '../ui.tsx';

/**
 * Where a channel account's orders go in the CRM (seed 004): the portal, the funnel, the stage
 * each order status moves the deal to (read from the CRM, so only its stages can be chosen),
 * and which deal fields carry the marketplace's ids.
 */

const idFields = ['postingNumber', 'externalId', 'orderId', 'deliveryNumber', 'deliveryStatus'] as const;

export function crmLinkRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  const show = async (c: WebContext, id: number, errors: FieldErrors = {}, typed?: Record<string, string>) => {
    const v = viewOf(c);
    const account = await getAccount(hub.db, id);
    const crmAccounts = (await listAccounts(hub.db)).filter(
      (a) => crmChannels().includes(a.channel) && a.status === 'active',
    );
    const link = (await listCrmLinks(hub.db)).find((l) => l.account_id === id) ?? null;
    const crmId = intParam(typed?.crm_account_id ?? c.req.query('crm')) ?? link?.crm_account_id ?? crmAccounts[0]?.id;
    let stages: CrmStage[] | null = null;
    let stagesProblem: string | null = null;
    if (crmId) {
      try {
        const crmAccount = crmAccounts.find((a) => a.id === crmId);
        const crm = crmAccount ? moduleFor(crmAccount.channel)?.crm : undefined;
        if (crm) stages = await crm.stages(await connectorContextFor(hub, crmId, { timeoutMs: 10_000 }));
      } catch (error) {
        stagesProblem = error instanceof Error ? error.message : String(error);
      }
    }
    return renderPage(
      c,
      `${v.t('crmLink.title')} · ${account.name}`,
      <CrmLinkPage
        v={v}
        account={account}
        crmAccounts={crmAccounts}
        crmId={crmId}
        link={link}
        stages={stages}
        stagesProblem={stagesProblem}
        errors={errors}
        typed={typed}
        saved={c.req.query('saved') === '1'}
      />,
    );
  };

  app.get('/channels/:id/crm', async (c) => {
    const id = intParam(c.req.param('id'));
    if (!id) throw new DomainError('NOT_FOUND', `Account ${c.req.param('id')} does not exist`, 404);
    return show(c, id);
  });

  app.post('/channels/:id/crm', async (c) => {
    const v = viewOf(c);
    const id = intParam(c.req.param('id'));
    if (!id) throw new DomainError('NOT_FOUND', `Account ${c.req.param('id')} does not exist`, 404);
    const body = await c.req.parseBody();
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
    const typed = Object.fromEntries(Object.keys(body).map((k) => [k, text(k)]));
    const input = {
      crm_account_id: Number(text('crm_account_id')),
      category_id: text('category_id') === '' ? null : Number(text('category_id')),
      stage_map: Object.fromEntries(
        orderStatuses.flatMap((s) => (text(`stage_${s}`) ? [[s, text(`stage_${s}`)]] : [])),
      ),
      fields: Object.fromEntries(idFields.flatMap((f) => (text(`field_${f}`) ? [[f, text(`field_${f}`)]] : []))),
    };
    const parsed = crmLinkInput.safeParse(input);
    if (!parsed.success) {
      const errors: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const [top, key] = issue.path.map(String);
        const name = top === 'stage_map' ? `stage_${key}` : top === 'fields' ? `field_${key}` : top;
        errors[name] = top === 'fields' ? v.t('crmLink.badField') : v.t('crmLink.bad');
      }
      return show(c, id, errors, typed);
    }
    try {
      await setCrmLink(hub.db, id, parsed.data, c.get('actor').name);
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return show(c, id, { crm_account_id: localize(v.lang, error) }, typed);
    }
    return c.redirect(`/channels/${id}/crm?saved=1`, 303);
  });
  return app;
}

interface PageProps {
  v: View;
  account: Awaited<ReturnType<typeof getAccount>>;
  crmAccounts: Awaited<ReturnType<typeof listAccounts>>;
  crmId: number | undefined;
  link: CrmLinkRow | null;
  stages: CrmStage[] | null;
  stagesProblem: string | null;
  errors: FieldErrors;
  typed?: Record<string, string>;
  saved: boolean;
}

function CrmLinkPage({ v, account, crmAccounts, crmId, link, stages, stagesProblem, errors, typed, saved }: PageProps) {
  const { t } = v;
  const value = (name: string, fromLink: string | number | null | undefined) =>
    typed?.[name] ?? (fromLink === null || fromLink === undefined ? '' : String(fromLink));
  const crmAccount = crmAccounts.find((a) => a.id === crmId);
  const defaults = (crmAccount?.settings ?? {}) as { categoryId?: number; stageMap?: Record<string, string> };
  const categoryId = value('category_id', link?.category_id ?? defaults.categoryId ?? null);
  const funnelStages = stages?.filter((s) => String(s.categoryId ?? 0) === (categoryId || '0')) ?? null;
  return (
    <>
      <p class="crumbs">
        <a href={`/channels/${account.id}`}>← {account.name}</a>
      </p>
      <div class="page-head">
        <h1>{t('crmLink.title')}</h1>
      </div>
      {saved && <Notice kind="success">{t('crmLink.saved')}</Notice>}
      {!crmAccounts.length ? (
        <Notice kind="info">{t('crmLink.noCrm')}</Notice>
      ) : (
        <form method="post" action={`/channels/${account.id}/crm`} class="card stack" id="crm-link">
          <p class="hint-text">{link ? t('crmLink.linked') : t('crmLink.default')}</p>
          <Select
            name="crm_account_id"
            label={t('crmLink.portal')}
            required
            value={crmId}
            errors={errors}
            options={crmAccounts.map((a) => ({
              value: a.id,
              label: `${a.name} · ${moduleFor(a.channel)?.connector.title ?? a.channel}`,
            }))}
          />
          {stages ? (
            <Select
              name="category_id"
              label={t('crmLink.funnel')}
              value={categoryId || '0'}
              errors={errors}
              options={[...new Set(stages.map((s) => s.categoryId ?? 0))].map((id) => ({
                value: id,
                label: id === 0 ? t('crmLink.defaultFunnel') : `${t('crmLink.funnelN')} ${id}`,
              }))}
            />
          ) : (
            <Field
              name="category_id"
              label={t('crmLink.funnel')}
              value={categoryId}
              errors={errors}
              hint={t('crmLink.funnelHint')}
              type="number"
            />
          )}
          {stagesProblem && <Notice kind="warn">{t('crmLink.stagesUnread', { reason: stagesProblem })}</Notice>}
          <fieldset>
            <legend>{t('crmLink.stages')}</legend>
            {orderStatuses.map((status) => {
              const name = `stage_${status}`;
              const current = value(name, link?.stage_map?.[status] ?? defaults.stageMap?.[status]);
              return funnelStages?.length ? (
                <Select
                  name={name}
                  label={t(`orders.st.${status}` as 'orders.st.new')}
                  value={current}
                  errors={errors}
                  placeholder={t('crmLink.keepStage')}
                  options={funnelStages.map((s) => ({ value: s.id, label: `${s.name} (${s.id})` }))}
                />
              ) : (
                <Field
                  name={name}
                  label={t(`orders.st.${status}` as 'orders.st.new')}
                  value={current}
                  errors={errors}
                  hint={t('crmLink.stageHint')}
                />
              );
            })}
          </fieldset>
          <fieldset>
            <legend>{t('crmLink.fields')}</legend>
            {idFields.map((f) => (
              <Field
                name={`field_${f}`}
                label={t(`crmLink.field.${f}`)}
                value={value(`field_${f}`, link?.fields?.[f])}
                errors={errors}
                attrs={{ placeholder: 'UF_CRM_…' }}
              />
            ))}
          </fieldset>
          <div class="actions">
            <button type="submit">{t('crmLink.save')}</button>
          </div>
        </form>
      )}
    </>
  );
}
