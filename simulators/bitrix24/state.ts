import crypto from 'node:crypto';

/**
 * What the Bitrix24 simulator knows, per portal (one Bitrix24 account): its incoming webhooks
 * (user id + secret code + scopes), its deal funnels with their stages, the deals and the
 * timeline comments on them, and the per-method time budget (CONTRACT.md §8). Tests seed a
 * portal with `addPortal`, read what a client wrote through `deals()` / `comments`, and play
 * "someone did it in Bitrix24" with `addDeal`, `editDeal` and `deleteDeal`.
 */

export type StageSemantics = 'process' | 'success' | 'failure' | 'apology';

export interface BitrixStage {
  /** The crm_status row id (crm.status.list `ID`), unique on the portal. */
  rowId: number;
  /** The stage id a deal carries: `NEW` in funnel 0, `C<n>:NEW` in funnel n (§2). */
  statusId: string;
  name: string;
  sort: number;
  semantics: StageSemantics;
  color: string;
}

export interface BitrixFunnel {
  /** CATEGORY_ID: 0 is the default funnel (§2: funnel id ≥ 0). */
  id: number;
  name: string;
  stages: BitrixStage[];
}

export interface BitrixWebhook {
  userId: number;
  code: string;
  /** Scopes chosen for the webhook; `crm` is needed for every crm.* method (§1). */
  scopes: string[];
  /** After this moment (ms since epoch) calls fail with an auth error (§1). */
  expiresAt?: number;
}

export interface BitrixDeal {
  id: number;
  /**
   * The writable fields as the client (or a seed) sent them: OPPORTUNITY stays the very
   * string or number it came as, CONTACT_IDS an array, UF_CRM_* whatever it was.
   */
  fields: Record<string, unknown>;
  createdAt: Date;
  modifiedAt: Date;
  movedAt: Date;
  createdBy: number;
  modifiedBy: number;
  movedBy: number;
}

export interface BitrixComment {
  id: number;
  entityType: string;
  entityId: number;
  comment: string;
  authorId: number;
  files: unknown;
  createdAt: Date;
}

export interface StageInput {
  /** Without the `C<n>:` prefix for funnels other than 0: it is added. */
  statusId: string;
  name?: string;
  semantics?: StageSemantics;
  color?: string;
}

export interface FunnelInput {
  id: number;
  name?: string;
  /** Default: NEW, PREPARATION, EXECUTING, WON, LOSE (prefixed `C<id>:` outside funnel 0). */
  stages?: (string | StageInput)[];
}

export interface PortalInput {
  /** The portal's host name, as in https://<portal>/rest/… (§1). */
  name?: string;
  userId?: number;
  code?: string;
  scopes?: string[];
  /** Extra funnels besides the default one (id 0), or a replacement for it when one has id 0. */
  funnels?: FunnelInput[];
  currencies?: string[];
  baseCurrency?: string;
  /** §8: Enterprise drains 5 requests/s with a bucket of 250, every other plan 2/s and 50. */
  plan?: 'enterprise' | 'standard';
  /**
   * The custom deal fields that exist on the portal. A UF_ key not in the list is ignored
   * on add/update, as unknown fields are (§3). Absent: any UF_CRM_* key is kept.
   */
  userFields?: string[];
  /** Seconds of execution one method may sum over ten minutes before it is blocked (§8: 480 in the doc's example). */
  operatingLimitSeconds?: number;
}

/** §2: the stage ids the docs show for the default funnel (crm-status-entity-items.md). */
const DEFAULT_STAGES: StageInput[] = [
  { statusId: 'NEW', name: 'New', semantics: 'process', color: '#39A8EF' },
  { statusId: 'PREPARATION', name: 'Document preparation', semantics: 'process', color: '#2FC6F6' },
  { statusId: 'PREPAYMENT_INVOICE', name: 'Prepayment invoice', semantics: 'process', color: '#55D0E0' },
  { statusId: 'EXECUTING', name: 'In progress', semantics: 'process', color: '#47E4C2' },
  { statusId: 'FINAL_INVOICE', name: 'Final invoice', semantics: 'process', color: '#FFA900' },
  { statusId: 'WON', name: 'Deal successful', semantics: 'success', color: '#7BD500' },
  { statusId: 'LOSE', name: 'Deal failed', semantics: 'failure', color: '#FF5752' },
  { statusId: 'APOLOGY', name: 'Failure reason analysis', semantics: 'apology', color: '#FF5752' },
];

const FUNNEL_STAGES = ['NEW', 'PREPARATION', 'EXECUTING', 'WON', 'LOSE'];

const semanticsOf = (statusId: string): StageSemantics =>
  /(^|:)WON$/.test(statusId)
    ? 'success'
    : /(^|:)LOSE$/.test(statusId)
      ? 'failure'
      : /(^|:)APOLOGY$/.test(statusId)
        ? 'apology'
        : 'process';

/** A webhook secret as Bitrix24 makes them: 16 lower-case letters and digits. */
const newCode = () =>
  crypto
    .randomBytes(12)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 16);

export class BitrixPortal {
  readonly webhooks: BitrixWebhook[] = [];
  readonly funnels = new Map<number, BitrixFunnel>();
  readonly dealsById = new Map<number, BitrixDeal>();
  readonly comments: BitrixComment[] = [];
  readonly currencies: string[];
  readonly baseCurrency: string;
  readonly plan: 'enterprise' | 'standard';
  readonly userFields: string[] | null;
  operatingLimitSeconds: number;
  /** method → minute (ms since epoch / 60 000) → seconds spent in that minute (§8: ten 1-minute baskets). */
  readonly operating = new Map<string, Map<number, number>>();
  private nextDealId = 1;
  private nextCommentId = 1;

  constructor(
    readonly name: string,
    private readonly rowIds: () => number,
    input: PortalInput,
  ) {
    this.currencies = input.currencies ?? ['RUB', 'USD', 'EUR', 'KZT', 'BYN', 'UAH', 'PLN'];
    this.baseCurrency = input.baseCurrency ?? this.currencies[0];
    this.plan = input.plan ?? 'standard';
    this.userFields = input.userFields ?? null;
    this.operatingLimitSeconds = input.operatingLimitSeconds ?? 480;
  }

  /** The first webhook: most tests have one. */
  get webhook(): BitrixWebhook {
    return this.webhooks[0];
  }

  /** The incoming-webhook base a client is configured with: `<base>/rest/<user_id>/<code>/` (§1). */
  webhookUrl(baseUrl: string, webhook = this.webhook): string {
    return `${baseUrl.replace(/\/$/, '')}/rest/${webhook.userId}/${webhook.code}/`;
  }

  addWebhook(input: { userId?: number; code?: string; scopes?: string[]; expiresAt?: number } = {}): BitrixWebhook {
    const webhook = {
      userId: input.userId ?? 1,
      code: input.code ?? newCode(),
      scopes: input.scopes ?? ['crm'],
      expiresAt: input.expiresAt,
    };
    this.webhooks.push(webhook);
    return webhook;
  }

  addFunnel(input: FunnelInput): BitrixFunnel {
    const prefix = input.id === 0 ? '' : `C${input.id}:`;
    const stages = (input.stages ?? (input.id === 0 ? DEFAULT_STAGES : FUNNEL_STAGES)).map((s, i): BitrixStage => {
      const stage = typeof s === 'string' ? { statusId: s } : s;
      const statusId = stage.statusId.startsWith(prefix) ? stage.statusId : `${prefix}${stage.statusId}`;
      return {
        rowId: this.rowIds(),
        statusId,
        name: stage.name ?? stage.statusId,
        sort: (i + 1) * 10,
        semantics: stage.semantics ?? semanticsOf(statusId),
        color: stage.color ?? '#39A8EF',
      };
    });
    const funnel = { id: input.id, name: input.name ?? (input.id === 0 ? 'General' : `Funnel ${input.id}`), stages };
    this.funnels.set(funnel.id, funnel);
    return funnel;
  }

  funnel(id: number): BitrixFunnel | undefined {
    return this.funnels.get(id);
  }

  /** The deals, in id order (deleted ones are gone). */
  deals(): BitrixDeal[] {
    return [...this.dealsById.values()];
  }

  deal(id: number): BitrixDeal | undefined {
    return this.dealsById.get(id);
  }

  /** The deal whose field (ORIGIN_ID, UF_CRM_…) holds this value, as a client's lookup would find it. */
  dealBy(field: string, value: string): BitrixDeal | undefined {
    return this.deals().find((d) => String(d.fields[field] ?? '') === value);
  }

  /** A deal as if made in Bitrix24 itself; fields are taken as given (no validation). */
  addDeal(fields: Record<string, unknown>, by = this.webhook?.userId ?? 1, now = new Date()): BitrixDeal {
    const categoryId = Number(fields.CATEGORY_ID ?? 0);
    const funnel = this.funnels.get(categoryId);
    const id = this.nextDealId++;
    const deal: BitrixDeal = {
      id,
      fields: {
        TITLE: `Deal #${id}`,
        STAGE_ID: funnel?.stages[0]?.statusId ?? 'NEW',
        CURRENCY_ID: this.baseCurrency,
        OPPORTUNITY: '0.00',
        ASSIGNED_BY_ID: by,
        OPENED: 'Y',
        ...fields,
        CATEGORY_ID: categoryId,
      },
      createdAt: now,
      modifiedAt: now,
      movedAt: now,
      createdBy: by,
      modifiedBy: by,
      movedBy: by,
    };
    this.dealsById.set(id, deal);
    return deal;
  }

  /** A change made in Bitrix24 itself (a manager moving a stage, say). */
  editDeal(id: number, fields: Record<string, unknown>, by = this.webhook?.userId ?? 1, now = new Date()): BitrixDeal {
    const deal = this.dealsById.get(id);
    if (!deal) throw new Error(`No deal ${id} on ${this.name}`);
    if (fields.STAGE_ID !== undefined && fields.STAGE_ID !== deal.fields.STAGE_ID) {
      deal.movedAt = now;
      deal.movedBy = by;
    }
    Object.assign(deal.fields, fields);
    deal.modifiedAt = now;
    deal.modifiedBy = by;
    return deal;
  }

  /** "A deal deleted in Bitrix24": gone from get/list/update; its comments stay in `comments`. */
  deleteDeal(id: number): boolean {
    return this.dealsById.delete(id);
  }

  commentsOn(dealId: number): BitrixComment[] {
    return this.comments.filter((c) => c.entityType === 'deal' && c.entityId === dealId);
  }

  addComment(input: Omit<BitrixComment, 'id' | 'createdAt'>, now = new Date()): BitrixComment {
    const comment = { ...input, id: this.nextCommentId++, createdAt: now };
    this.comments.push(comment);
    return comment;
  }

  /** Adds execution time to a method's current minute basket (tests: `limit + 1` blocks it). */
  spendOperatingTime(method: string, seconds: number, now = Date.now()): void {
    const baskets = this.operating.get(method) ?? new Map<number, number>();
    const minute = Math.floor(now / 60_000);
    baskets.set(minute, (baskets.get(minute) ?? 0) + seconds);
    this.operating.set(method, baskets);
  }

  /** §8: the sum over the last ten 1-minute baskets, and when the oldest of them is released (unix s). */
  operatingOf(method: string, now = Date.now()): { operating: number; resetAt: number } {
    const minute = Math.floor(now / 60_000);
    const baskets = this.operating.get(method);
    let operating = 0;
    let oldest = minute;
    for (const [m, seconds] of baskets ?? []) {
      if (m <= minute - 10) {
        baskets!.delete(m);
        continue;
      }
      operating += seconds;
      oldest = Math.min(oldest, m);
    }
    return { operating, resetAt: (oldest + 10) * 60 };
  }

  /** Empties a method's time budget (the ten minutes have passed). */
  resetOperatingTime(method?: string): void {
    if (method) this.operating.delete(method);
    else this.operating.clear();
  }
}

export class Bitrix24State {
  readonly portals = new Map<string, BitrixPortal>();
  private nextRowId = 101;

  /** A portal with one webhook (user 1, a fresh code, scope crm) and the default funnel 0. */
  addPortal(input: PortalInput = {}): BitrixPortal {
    const name = input.name ?? `portal${this.portals.size + 1}.bitrix24.ru`;
    const portal = new BitrixPortal(name, () => this.nextRowId++, input);
    portal.addWebhook({ userId: input.userId, code: input.code, scopes: input.scopes });
    if (!input.funnels?.some((f) => f.id === 0)) portal.addFunnel({ id: 0 });
    for (const funnel of input.funnels ?? []) portal.addFunnel(funnel);
    this.portals.set(name, portal);
    return portal;
  }

  /** The named portal, or the first one. */
  portal(name?: string): BitrixPortal {
    const portal = name ? this.portals.get(name) : this.portals.values().next().value;
    if (!portal) throw new Error(`No Bitrix24 portal ${name ?? '(none seeded)'}`);
    return portal;
  }

  /** The portal and webhook a `/rest/<user_id>/<code>/` path names, if any. */
  findWebhook(userId: string, code: string): { portal: BitrixPortal; webhook: BitrixWebhook } | undefined {
    for (const portal of this.portals.values()) {
      const webhook = portal.webhooks.find((w) => String(w.userId) === userId && w.code === code);
      if (webhook) return { portal, webhook };
    }
    return undefined;
  }
}

/** Many deals for paging tests and benchmarks: ORIGIN_ID `${originPrefix}${i}`. */
export function seedDeals(
  portal: BitrixPortal,
  options: {
    deals: number;
    originPrefix?: string;
    categoryId?: number;
    fields?: (i: number) => Record<string, unknown>;
  },
): BitrixDeal[] {
  const made: BitrixDeal[] = [];
  for (let i = 1; i <= options.deals; i++) {
    made.push(
      portal.addDeal({
        TITLE: `Order ${i}`,
        ORIGIN_ID: `${options.originPrefix ?? 'ORD-'}${i}`,
        CATEGORY_ID: options.categoryId ?? 0,
        OPPORTUNITY: `${i}00.00`,
        ...options.fields?.(i),
      }),
    );
  }
  return made;
}
