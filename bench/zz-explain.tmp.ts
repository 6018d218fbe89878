import { sql } from 'drizzle-orm';
import { createGenericSimulator } from '/work/main/simulators/generic/index.ts';
import { analyzeListings, importListings, matchListings } from '/work/main/src/channels/core/listings.ts';
import { channelQuantitySql } from '/work/main/src/channels/core/availability.ts';
import { createGenericAccount, seedCatalog } from '/work/main/src/channels/core/testing.ts';
import { channelsBenchHub } from '/work/main/bench/channels-fixture.ts';
import { rows } from '/work/main/src/db/database.ts';
const N = 50000;
const env = await channelsBenchHub('sklad_explain');
try {
  const { hub } = env;
  const sim = createGenericSimulator({ apiKey: 'explain-key-123', batchSize: 100 });
  sim.seed({ count: N, from: 1 });
  await seedCatalog(hub.db, { count: N, stock: (n) => 1 + (n % 40) });
  const accountId = await createGenericAccount(hub, { baseUrl: 'http://127.0.0.1:1', apiKey: sim.apiKey });
  const all = [...sim.listings.values()].map((l) => ({ externalId: l.id, sku: l.sku, name: l.name }));
  for (let i = 0; i < all.length; i += 5000) await importListings(hub.db, accountId, all.slice(i, i + 5000));
  await matchListings(hub.db, accountId);
  await analyzeListings(hub.db);
  await hub.db.execute(sql`analyze`);
  const ids = (await rows<{ id: number }>(hub.db, sql`select id from listings order by id limit 100 offset 20000`)).map((r) => r.id);
  const qs = ids.map(() => 0);
  const notBlocked = sql`not exists (
  select 1 from listings a
   where a.account_id = l.account_id and a.match_state = 'ambiguous' and l.product_id = any(a.candidate_product_ids))`;
  const q = sql`explain analyze
    with read as materialized (
      select q.id, q.quantity as channel_quantity, ${channelQuantitySql(accountId, sql`l.product_id`)} as quantity
        from unnest(${sql.param(ids)}::bigint[], ${sql.param(qs)}::int[]) as q(id, quantity)
        join listings l on l.id = q.id
       where ${notBlocked}
    )
    update listings l
       set channel_quantity = r.channel_quantity, channel_quantity_at = now(),
           needs_push = l.needs_push or r.channel_quantity <> r.quantity,
           change_seq = case when r.channel_quantity <> r.quantity then l.change_seq + 1 else l.change_seq end,
           last_pushed_quantity = case when r.channel_quantity <> r.quantity then null else l.last_pushed_quantity end
      from read r
     where l.id = r.id
    returning l.id`;
  for (const line of await rows<{ 'QUERY PLAN': string }>(hub.db, q)) console.log(line['QUERY PLAN']);
} finally {
  await env.close();
}
