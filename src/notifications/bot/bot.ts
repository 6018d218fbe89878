import { sql } from 'drizzle-orm';
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, type Context } from 'grammy';
import { authenticate, roleAtLeast } from '../../access/api-keys.ts';
import { setProductImage } from '../../catalog/images.ts';
import { listProducts, updateProduct } from '../../catalog/products.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { recordMovement } from '../../inventory/movements.ts';
import { listOrders, listSales, orderStatistics, salesStatistics } from '../../orders/queries.ts';
import { DomainError } from '../../shared/errors.ts';
import { addCabinetByKey, wbBaseUrl } from '../cabinets.ts';
import { cabinetStock, detectEvents } from '../detector.ts';
import { escapeHtml, money } from '../messages.ts';
import {
  cabinetIdsOf,
  cabinetsOf,
  findUserByTelegramId,
  getSettings,
  setLanguage,
  switchNames,
  updateSettings,
  upsertUser,
  type Language,
  type User,
} from '../users.ts';
import { errorText, t } from '../../web/i18n.ts';
import { ZodError } from 'zod';

/**
 * The Sklad bot (grammY). /start links the Telegram user; everything he reads is limited to
 * the cabinets he is a member of. Editing products and writing stock off change the shared
 * catalog and stock, so they need a Sklad API key with the operator role linked with /link
 * (docs/decisions/082): the key's name is the actor in the history, and a revoked key stops
 * working in the bot at once.
 */

export interface BotOptions {
  token: string;
  apiRoot?: string;
}

type Session = { await: 'name' | 'sku' | 'ean' | 'photo'; productId: number };

const html = { parse_mode: 'HTML' as const };

export function createSkladBot(hub: Hub, options: BotOptions): Bot {
  const bot = new Bot(options.token, { client: { apiRoot: options.apiRoot, timeoutSeconds: 60 } });
  // Answers to the user wait out Telegram's 429 retry_after (a few times, briefly). Notifications
  // do not go through this bot's API: their sender counts attempts itself and never repeats a send
  // whose outcome is unknown (docs/decisions/081).
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowInternalServerErrors: true }));
  const fileRoot = (options.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '');

  const userOf = async (ctx: Context): Promise<User | null> =>
    ctx.from ? findUserByTelegramId(hub.db, ctx.from.id) : null;
  const lang = (user: User | null, ctx: Context): Language =>
    user?.language ?? (ctx.from?.language_code?.startsWith('en') ? 'en' : 'ru');
  /** Registered users only; others are told to /start. */
  const withUser = (handler: (ctx: Context, user: User) => Promise<unknown>) => async (ctx: Context) => {
    const user = await userOf(ctx);
    if (!user) return ctx.reply(t('bot.notRegistered', lang(null, ctx)));
    return handler(ctx, user);
  };
  const args = (ctx: Context) => (ctx.message?.text ?? '').split(/\s+/).slice(1).filter(Boolean);

  const menu = (l: Language) => ({
    inline_keyboard: [
      [
        { text: t('bot.menuOrders', l), callback_data: 'orders' },
        { text: t('bot.menuSales', l), callback_data: 'sales' },
      ],
      [
        { text: t('bot.menuStats', l), callback_data: 'stats' },
        { text: t('bot.menuSettings', l), callback_data: 'settings' },
      ],
    ],
  });

  bot.command('start', async (ctx) => {
    const from = ctx.from!;
    const { user } = await upsertUser(hub.db, {
      telegram_id: from.id,
      username: from.username ?? null,
      first_name: from.first_name,
      last_name: from.last_name ?? null,
    });
    const l = user.language;
    const cabinets = await cabinetsOf(hub.db, user.id);
    const lines = [
      escapeHtml(t('bot.welcome', l, { name: from.first_name })),
      '',
      cabinetsText(l, cabinets),
      '',
      t('bot.help', l),
    ];
    await ctx.reply(lines.join('\n'), { ...html, reply_markup: menu(l) });
  });

  bot.command(
    'help',
    withUser((ctx, user) => ctx.reply(t('bot.help', user.language), { ...html, reply_markup: menu(user.language) })),
  );
  bot.command(
    'cabinets',
    withUser(async (ctx, user) => ctx.reply(cabinetsText(user.language, await cabinetsOf(hub.db, user.id)), html)),
  );

  bot.command(
    'language',
    withUser(async (ctx, user) => {
      const wanted: Language = args(ctx)[0] === 'en' ? 'en' : 'ru';
      await setLanguage(hub.db, user.id, wanted);
      await ctx.reply(t('bot.languageSet', wanted));
    }),
  );

  const showOrders = async (ctx: Context, user: User, status?: 'active' | 'cancelled') => {
    const l = user.language;
    const accountIds = await cabinetIdsOf(hub.db, user.id);
    const { items, total } = await listOrders(hub.db, { accountIds, status, limit: 10, offset: 0 });
    const lines = items.map((o) => {
      const mark =
        o.status === 'cancelled' ? '❌' : o.status === 'returned' ? '🔄' : o.status === 'delivered' ? '💰' : '📦';
      return `${mark} ${escapeHtml(o.ordered_at.slice(0, 16).replace('T', ' '))} · <b>${escapeHtml(o.external_id)}</b> · ${money(o.total_minor, o.currency, l)} · ${escapeHtml(o.status)}`;
    });
    await ctx.reply(
      [
        `<b>${t('bot.ordersTitle', l)}</b> (${items.length}/${total})`,
        ...(lines.length ? lines : [t('bot.nothing', l)]),
      ].join('\n'),
      html,
    );
  };
  bot.command(
    'orders',
    withUser((ctx, user) => {
      const a = args(ctx)[0];
      return showOrders(
        ctx,
        user,
        a === 'active' ? 'active' : a === 'canceled' || a === 'cancelled' ? 'cancelled' : undefined,
      );
    }),
  );

  const showSales = async (ctx: Context, user: User) => {
    const l = user.language;
    const { items, total } = await listSales(hub.db, {
      accountIds: await cabinetIdsOf(hub.db, user.id),
      limit: 10,
      offset: 0,
    });
    const lines = (
      items as { kind: string; sold_at: string; product_name: string | null; amount_minor: number; currency: string }[]
    ).map(
      (s) =>
        `${s.kind === 'buyout' ? '💰' : '🔄'} ${escapeHtml(s.sold_at.slice(0, 16).replace('T', ' '))} · ${escapeHtml(s.product_name ?? '')} · ${money(Math.abs(s.amount_minor), s.currency, l)}`,
    );
    await ctx.reply(
      [
        `<b>${t('bot.salesTitle', l)}</b> (${items.length}/${total})`,
        ...(lines.length ? lines : [t('bot.nothing', l)]),
      ].join('\n'),
      html,
    );
  };
  bot.command('sales', withUser(showSales));

  const showStats = async (ctx: Context, user: User) => {
    const l = user.language;
    const accountIds = await cabinetIdsOf(hub.db, user.id);
    const orders = await orderStatistics(hub.db, { accountIds });
    const sales = await salesStatistics(hub.db, { accountIds });
    const rate = sales.buyout_rate === null ? '—' : `${(sales.buyout_rate * 100).toFixed(1)}%`;
    // One line per currency: a PLN order and a RUB one do not add up.
    const revenue = orders.by_currency.map((c) =>
      t('bot.revenueStats', l, {
        currency: c.currency,
        revenue: money(c.revenue_minor, c.currency, l),
        cancelled: money(c.cancelled_minor, c.currency, l),
      }),
    );
    await ctx.reply(
      [
        `<b>${t('bot.statsTitle', l)}</b>`,
        t('bot.ordersStats', l, orders as never),
        ...revenue,
        t('bot.salesStats', l, { ...sales, rate } as never),
      ].join('\n'),
      html,
    );
  };
  bot.command('stats', withUser(showStats));

  const showStock = async (ctx: Context, user: User, sku: string | undefined) => {
    const l = user.language;
    if (!sku) return ctx.reply(t('bot.stockUsage', l));
    const lines: string[] = [];
    for (const cabinet of await cabinetsOf(hub.db, user.id)) {
      for (const row of await cabinetStock(hub.db, cabinet.id, { sku })) {
        if (!lines.length) lines.push(`<b>${escapeHtml(row.sku)}</b> ${escapeHtml(row.name)}`);
        lines.push(t('bot.stockLine', l, { cabinet: escapeHtml(cabinet.name), available: Number(row.available) }));
      }
    }
    return ctx.reply(lines.length ? lines.join('\n') : t('bot.stockNone', l, { sku: escapeHtml(sku) }), html);
  };
  bot.command(
    'stock',
    withUser((ctx, user) => showStock(ctx, user, args(ctx)[0])),
  );

  // ── Settings with inline switches ─────────────────────────────────────────────────────
  const settingsKeyboard = async (user: User) => {
    const settings = await getSettings(hub.db, user.id);
    return {
      inline_keyboard: [
        ...switchNames.map((name) => [
          {
            text: `${settings[name] ? '✅' : '⬜️'} ${t(`switch.${name}`, user.language)}`,
            callback_data: `set:${name}`,
          },
        ]),
        [
          {
            text: user.language === 'ru' ? '🌐 English' : '🌐 Русский',
            callback_data: `lang:${user.language === 'ru' ? 'en' : 'ru'}`,
          },
        ],
      ],
    };
  };
  const showSettings = async (ctx: Context, user: User) =>
    ctx.reply(t('bot.settingsTitle', user.language), { reply_markup: await settingsKeyboard(user) });
  bot.command('settings', withUser(showSettings));

  bot.callbackQuery(
    /^set:(\w+)$/,
    withUser(async (ctx, user) => {
      const name = ctx.match![1] as (typeof switchNames)[number];
      if (!switchNames.includes(name)) return ctx.answerCallbackQuery();
      const settings = await getSettings(hub.db, user.id);
      await updateSettings(hub.db, user.id, { [name]: !settings[name] });
      await ctx.answerCallbackQuery();
      await ctx.editMessageReplyMarkup({ reply_markup: await settingsKeyboard(user) });
    }),
  );
  bot.callbackQuery(
    /^lang:(ru|en)$/,
    withUser(async (ctx, user) => {
      const l = ctx.match![1] as Language;
      await setLanguage(hub.db, user.id, l);
      await ctx.answerCallbackQuery({ text: t('bot.languageSet', l) });
      await ctx.editMessageText(t('bot.settingsTitle', l), {
        reply_markup: await settingsKeyboard({ ...user, language: l }),
      });
    }),
  );

  // The buttons under notifications and the menu.
  bot.callbackQuery(
    'orders',
    withUser(async (ctx, user) => (await ctx.answerCallbackQuery(), showOrders(ctx, user))),
  );
  bot.callbackQuery(
    'sales',
    withUser(async (ctx, user) => (await ctx.answerCallbackQuery(), showSales(ctx, user))),
  );
  bot.callbackQuery(
    'stats',
    withUser(async (ctx, user) => (await ctx.answerCallbackQuery(), showStats(ctx, user))),
  );
  bot.callbackQuery(
    'settings',
    withUser(async (ctx, user) => (await ctx.answerCallbackQuery(), showSettings(ctx, user))),
  );
  bot.callbackQuery(
    /^stock:(.+)$/,
    withUser(async (ctx, user) => (await ctx.answerCallbackQuery(), showStock(ctx, user, ctx.match![1]))),
  );

  // ── Cabinets by key, from the bot ─────────────────────────────────────────────────────
  bot.command(
    'add_wb',
    withUser(async (ctx, user) => {
      const l = user.language;
      const [key, ...name] = args(ctx);
      if (!key) return ctx.reply(t('bot.addUsage', l), html);
      await ctx.deleteMessage().catch(() => {}); // the key should not stay in the chat
      try {
        const result = await addCabinetByKey(
          hub,
          {
            userId: user.id,
            channel: 'wildberries',
            credentials: { token: key },
            name: name.join(' ') || 'Wildberries',
            baseUrl: wbBaseUrl(),
          },
          `telegram:${user.telegram_id}`,
        );
        return ctx.reply(
          t(result.created ? 'bot.cabinetAdded' : 'bot.cabinetJoined', l, { name: escapeHtml(result.cabinet.name) }),
          html,
        );
      } catch (error) {
        return replyError(ctx, l, error);
      }
    }),
  );

  // ── Linking a Sklad API key: needed to change the catalog or stock ───────────────────
  bot.command(
    'link',
    withUser(async (ctx, user) => {
      const l = user.language;
      const key = args(ctx)[0];
      if (!key) return ctx.reply(t('bot.linkUsage', l), html);
      await ctx.deleteMessage().catch(() => {});
      const actor = await authenticate(hub.database, key);
      if (!actor) return ctx.reply(t('bot.linkBad', l));
      if (!roleAtLeast(actor.role, 'operator')) return ctx.reply(t('bot.linkWeak', l, { name: actor.name }));
      await hub.db.execute(sql`update users set api_key_id = ${actor.keyId}, updated_at = now() where id = ${user.id}`);
      return ctx.reply(t('bot.linked', l, { name: escapeHtml(actor.name), role: actor.role }), html);
    }),
  );

  /** The linked key's actor name, if the key still exists, is not revoked and may change things. */
  const operatorOf = async (user: User): Promise<string | null> => {
    const [key] = await rows<{ name: string; role: 'readonly' | 'operator' | 'admin' }>(
      hub.db,
      sql`
      select k.name, k.role from users u join api_keys k on k.id = u.api_key_id where u.id = ${user.id} and k.revoked_at is null`,
    );
    return key && roleAtLeast(key.role, 'operator') ? `${key.name} (telegram:${user.telegram_id})` : null;
  };
  const findBySku = async (sku: string) => (await listProducts(hub.db, { sku, limit: 1 })).items[0] ?? null;

  bot.command(
    'edit',
    withUser(async (ctx, user) => {
      const l = user.language;
      if (!(await operatorOf(user))) return ctx.reply(t('bot.needLink', l), html);
      const sku = args(ctx)[0];
      if (!sku) return ctx.reply(t('bot.editUsage', l));
      const product = await findBySku(sku);
      if (!product) return ctx.reply(t('bot.productNotFound', l, { sku: escapeHtml(sku) }), html);
      const info = [
        `<b>${escapeHtml(product.name)}</b>`,
        `SKU: <code>${escapeHtml(product.sku)}</code>`,
        `EAN: <code>${escapeHtml(product.ean ?? '—')}</code>`,
        t('bot.editWhat', l),
      ];
      return ctx.reply(info.join('\n'), {
        ...html,
        reply_markup: {
          inline_keyboard: [
            [
              { text: t('bot.fieldName', l), callback_data: `edit:${product.id}:name` },
              { text: t('bot.fieldSku', l), callback_data: `edit:${product.id}:sku` },
            ],
            [
              { text: t('bot.fieldEan', l), callback_data: `edit:${product.id}:ean` },
              { text: t('bot.fieldPhoto', l), callback_data: `edit:${product.id}:photo` },
            ],
          ],
        },
      });
    }),
  );

  bot.callbackQuery(
    /^edit:(\d+):(name|sku|ean|photo)$/,
    withUser(async (ctx, user) => {
      const l = user.language;
      await ctx.answerCallbackQuery();
      if (!(await operatorOf(user))) return ctx.reply(t('bot.needLink', l), html);
      const session: Session = { await: ctx.match![2] as Session['await'], productId: Number(ctx.match![1]) };
      await saveSession(user.telegram_id, session);
      const field = t(
        session.await === 'name'
          ? 'bot.fieldName'
          : session.await === 'sku'
            ? 'bot.fieldSku'
            : session.await === 'ean'
              ? 'bot.fieldEan'
              : 'bot.fieldPhoto',
        l,
      );
      return ctx.reply(session.await === 'photo' ? t('bot.askPhoto', l) : t('bot.askValue', l, { field }));
    }),
  );

  bot.command(
    'cancel',
    withUser(async (ctx, user) => {
      await hub.db.execute(sql`delete from bot_sessions where telegram_id = ${user.telegram_id}`);
      return ctx.reply(t('bot.cancelled', user.language));
    }),
  );

  // ── Write-off from an own warehouse ──────────────────────────────────────────────────
  bot.command(
    'writeoff',
    withUser(async (ctx, user) => {
      const l = user.language;
      const actor = await operatorOf(user);
      if (!actor) return ctx.reply(t('bot.needLink', l), html);
      const [sku, quantityText, warehouseCode, ...reason] = args(ctx);
      const quantity = Number(quantityText);
      if (!sku || !Number.isInteger(quantity) || quantity <= 0) return ctx.reply(t('bot.writeoffUsage', l));
      const product = await findBySku(sku);
      if (!product) return ctx.reply(t('bot.productNotFound', l, { sku: escapeHtml(sku) }), html);
      // The named warehouse, or the own one holding the most of it.
      const [warehouse] = await rows<{ id: number; code: string }>(
        hub.db,
        sql`
      select w.id, w.code from warehouses w left join stock_levels s on s.warehouse_id = w.id and s.product_id = ${product.id}
       where w.kind = 'own' and not w.read_only and w.archived_at is null
         and (${warehouseCode ?? null}::text is null or lower(w.code) = lower(${warehouseCode ?? null}))
       order by coalesce(s.available, 0) desc, w.id limit 1`,
      );
      if (!warehouse) return ctx.reply(t('bot.noWarehouse', l));
      try {
        // The update's message id makes a redelivered update a no-op, not a second write-off.
        const result = await recordMovement(
          hub.db,
          {
            type: 'write_off',
            productId: product.id,
            warehouseId: warehouse.id,
            quantity,
            reason: reason.join(' ') || 'Telegram bot',
            reference: `telegram:${ctx.chat!.id}:${ctx.message!.message_id}`,
          },
          actor,
        );
        const left = (result.movements[0] as { available_after?: number }).available_after ?? '?';
        await ctx.reply(
          t('bot.writtenOff', l, {
            quantity,
            sku: escapeHtml(product.sku),
            warehouse: escapeHtml(warehouse.code),
            left,
          }),
          html,
        );
        // Stock that just fell under a threshold is told now, not at the next full pass.
        for (const accountId of await cabinetIdsOf(hub.db, user.id)) {
          await detectEvents(hub, accountId).catch((error) =>
            hub.logger.warn({ err: error, accountId }, 'notifications: detection after a write-off failed'),
          );
        }
      } catch (error) {
        return replyError(ctx, l, error);
      }
    }),
  );

  // ── Answers to the editing questions ─────────────────────────────────────────────────
  bot.on(
    'message:photo',
    withUser(async (ctx, user) => {
      const l = user.language;
      const session = await loadSession(user.telegram_id);
      if (session?.await !== 'photo') return ctx.reply(t('bot.unknown', l));
      const actor = await operatorOf(user);
      if (!actor) return ctx.reply(t('bot.needLink', l), html);
      const largest = ctx.message!.photo!.at(-1)!;
      const file = await ctx.api.getFile(largest.file_id);
      const res = await fetch(`${fileRoot}/file/bot${options.token}/${file.file_path}`);
      if (!res.ok) return ctx.reply(t('bot.invalid', l, { message: `Telegram file ${res.status}` }));
      try {
        await setProductImage(hub.db, session.productId, new Uint8Array(await res.arrayBuffer()), actor);
        await hub.db.execute(sql`delete from bot_sessions where telegram_id = ${user.telegram_id}`);
        return ctx.reply(t('bot.saved', l));
      } catch (error) {
        return replyError(ctx, l, error);
      }
    }),
  );

  bot.on(
    'message:text',
    withUser(async (ctx, user) => {
      const l = user.language;
      const session = await loadSession(user.telegram_id);
      if (!session || session.await === 'photo' || ctx.message!.text!.startsWith('/'))
        return ctx.reply(t('bot.unknown', l));
      const actor = await operatorOf(user);
      if (!actor) return ctx.reply(t('bot.needLink', l), html);
      try {
        // The catalog's own validation (ProductPatch): the same rules as the API and the web form.
        await updateProduct(hub.db, session.productId, { [session.await]: ctx.message!.text!.trim() }, actor);
        await hub.db.execute(sql`delete from bot_sessions where telegram_id = ${user.telegram_id}`);
        return ctx.reply(t('bot.saved', l));
      } catch (error) {
        return replyError(ctx, l, error);
      }
    }),
  );

  const saveSession = (telegramId: number, session: Session) =>
    hub.db.execute(sql`
      insert into bot_sessions (telegram_id, state) values (${telegramId}, ${JSON.stringify(session)}::jsonb)
      on conflict (telegram_id) do update set state = excluded.state, updated_at = now()`);
  const loadSession = async (telegramId: number): Promise<Session | null> =>
    (
      await rows<{ state: Session }>(
        hub.db,
        sql`select state from bot_sessions where telegram_id = ${telegramId} and updated_at > now() - interval '1 hour'`,
      )
    )[0]?.state ?? null;

  bot.catch((error) =>
    hub.logger.error({ err: error.error, update: error.ctx.update.update_id }, 'telegram bot: an update failed'),
  );
  return bot;
}

function cabinetsText(l: Language, cabinets: { name: string; channel: string; members: number }[]): string {
  if (!cabinets.length) return t('bot.cabinetsNone', l);
  return [
    t('bot.cabinetsList', l),
    ...cabinets.map((c) => `• <b>${escapeHtml(c.name)}</b> (${escapeHtml(c.channel)}, ${c.members} 👤)`),
  ].join('\n');
}

/** A refusal the user can act on, in one line and his language (by its code); anything else is logged by bot.catch. */
function replyError(ctx: Context, l: Language, error: unknown) {
  if (error instanceof DomainError)
    return ctx.reply(
      t('bot.invalid', l, { message: escapeHtml(errorText(l, error.code, error.details, error.message)) }),
      html,
    );
  if (error instanceof ZodError)
    return ctx.reply(
      t('bot.invalid', l, {
        message: escapeHtml(error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')),
      }),
      html,
    );
  throw error;
}
