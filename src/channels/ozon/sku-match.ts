import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/database.ts';

/**
 * Sklad product ids by the seller's article (Ozon offer_id, WB supplierArticle), the way
 * the seed matched marketplace stock to its catalog. One query per page of a sync.
 * (A catalog lookup; it would sit well in src/catalog if another part needs it.)
 */
export async function productIdsBySku(ex: Executor, skus: string[]): Promise<Map<string, number>> {
  const wanted = [...new Set(skus.filter(Boolean).map((s) => s.toLowerCase()))];
  if (!wanted.length) return new Map();
  const found = await rows<{ sku: string; id: number }>(
    ex,
    sql`select lower(sku) as sku, id from products where lower(sku) = any(${sql.param(wanted)}::text[]) and archived_at is null`,
  );
  const bySku = new Map(found.map((r) => [r.sku, r.id]));
  return new Map(skus.filter((s) => bySku.has(s.toLowerCase())).map((s) => [s, bySku.get(s.toLowerCase())!]));
}
