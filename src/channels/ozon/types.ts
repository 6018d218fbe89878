import { z } from 'zod';

/**
 * The parts of Ozon's answers Sklad reads (../shared/specs/ozon/swagger.json), parsed at
 * the border. Ozon writes int64 ids as numbers, prices as decimal strings ("1290.0000");
 * fields Sklad does not use are let through untouched.
 */

const int64 = z.coerce.number().int();

export const productListAnswer = z.object({
  result: z.object({
    items: z.array(z.object({ product_id: int64, offer_id: z.string(), archived: z.boolean().optional() })),
    last_id: z.string().default(''),
    total: z.number().int().optional(),
  }),
});

export const productInfoAnswer = z.object({
  items: z.array(
    z.object({
      id: int64,
      offer_id: z.string(),
      sku: int64.optional(),
      name: z.string().default(''),
      barcodes: z.array(z.string()).default([]),
      price: z.string().optional(),
      currency_code: z.string().optional(),
      is_archived: z.boolean().optional(),
    }),
  ),
});

/** Ozon's stock types: `fbo` (Ozon's warehouses), `fbs` and `realFbs` (the seller's own). */
export const stockTypes = ['fbo', 'fbs', 'realFbs'] as const;
export type OzonStockType = (typeof stockTypes)[number];

export const stocksAnswer = z.object({
  cursor: z.string().default(''),
  total: z.number().int().optional(),
  items: z.array(
    z.object({
      product_id: int64,
      offer_id: z.string(),
      stocks: z.array(
        z.object({
          type: z.string(),
          present: z.number().int().default(0),
          reserved: z.number().int().default(0),
          // Numeric on Ozon's side; the seed's validator once flagged these as "special characters".
          sku: int64.optional(),
          warehouse_ids: z.array(z.string()).default([]),
        }),
      ),
    }),
  ),
});
export type OzonStockItem = z.infer<typeof stocksAnswer>['items'][number];

/** /v2/analytics/stock_on_warehouses (the seed's source, to be switched off by Ozon). */
export const stockOnWarehousesAnswer = z.object({
  result: z.object({
    rows: z.array(
      z.object({
        sku: int64,
        item_code: z.string(),
        item_name: z.string().default(''),
        free_to_sell_amount: z.number().int().default(0),
        promised_amount: z.number().int().default(0),
        reserved_amount: z.number().int().default(0),
        warehouse_name: z.string(),
      }),
    ),
  }),
});

/** /v1/analytics/stocks (its successor). */
export const analyticsStocksAnswer = z.object({
  items: z.array(
    z.object({
      sku: int64,
      offer_id: z.string(),
      warehouse_id: int64.optional(),
      warehouse_name: z.string(),
      available_stock_count: z.number().int().default(0),
      requested_stock_count: z.number().int().default(0),
      other_stock_count: z.number().int().default(0),
      transit_stock_count: z.number().int().default(0),
    }),
  ),
});

/** One warehouse's line of Ozon's per-warehouse detail, from either analytics method. */
export interface WarehouseStockRow {
  sku: number;
  offerId: string;
  warehouseName: string;
  freeToSell: number;
  reserved: number;
  promised: number;
}

/** /v1/product/info/stocks-by-warehouse/fbs: the seller's own warehouses one by one. */
export const stocksByWarehouseAnswer = z.object({
  result: z.array(
    z.object({
      sku: int64,
      product_id: int64.optional(),
      present: z.number().int().default(0),
      reserved: z.number().int().default(0),
      warehouse_id: int64,
      warehouse_name: z.string().optional(),
    }),
  ),
});

export const warehouseListAnswer = z.object({
  result: z.array(
    z.object({
      warehouse_id: int64,
      name: z.string(),
      is_rfbs: z.boolean().default(false),
      status: z.string().optional(),
    }),
  ),
});

export const stockUpdateAnswer = z.object({
  result: z.array(
    z.object({
      product_id: int64.optional(),
      offer_id: z.string().optional(),
      warehouse_id: int64.optional(),
      updated: z.boolean(),
      errors: z.array(z.object({ code: z.string(), message: z.string().default('') })).default([]),
    }),
  ),
});

const posting = z.object({
  posting_number: z.string(),
  order_id: int64.optional(),
  order_number: z.string().optional(),
  status: z.string(),
  substatus: z.string().optional(),
  in_process_at: z.string(),
  delivery_method: z
    .object({
      id: int64,
      name: z.string(),
      warehouse_id: int64,
      warehouse: z.string(),
      tpl_provider: z.string(),
      tpl_provider_id: int64,
    })
    .partial()
    .nullish(),
  tpl_integration_type: z.string().nullish(),
  cancellation: z.object({ cancel_reason: z.string().optional() }).partial().nullish(),
  addressee: z.object({ name: z.string(), phone: z.string() }).partial().nullish(),
  customer: z
    .object({
      name: z.string(),
      phone: z.string(),
      address: z
        .object({
          address_tail: z.string(),
          city: z.string(),
          country: z.string(),
          region: z.string(),
          zip_code: z.string(),
          provider_pvz_code: z.string(),
          comment: z.string(),
        })
        .partial()
        .nullish(),
    })
    .partial()
    .nullish(),
  // Asked for with `with.analytics_data`: the city and region of FBS postings, which name no address.
  analytics_data: z.object({ city: z.string(), region: z.string(), tpl_provider: z.string() }).partial().nullish(),
  products: z.array(
    z.object({
      sku: int64,
      offer_id: z.string(),
      name: z.string(),
      quantity: z.number().int(),
      price: z.string(),
      currency_code: z.string().optional(),
    }),
  ),
});
export type OzonPostingAnswer = z.infer<typeof posting>;

export const postingListAnswer = z.object({ result: z.object({ postings: z.array(posting), has_next: z.boolean() }) });
export const postingAnswer = z.object({ result: posting });

/** "1290.5000" → 129050 kopecks, without going through a float. */
export function decimalToMinor(value: string | number): number {
  const [whole, fraction = ''] = String(value).trim().split('.');
  const negative = whole.startsWith('-');
  const minor = Math.abs(Number(whole)) * 100 + Number((fraction + '00').slice(0, 2));
  return negative ? -minor : minor;
}
