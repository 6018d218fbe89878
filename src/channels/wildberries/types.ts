import { z } from 'zod';

/** The parts of WB's answers Sklad reads (../shared/specs/wildberries/*.yaml), parsed at the border. */

export const pingAnswer = z.object({ TS: z.string().optional(), Status: z.string() });

const reportProduct = {
  lastChangeDate: z.string(),
  date: z.string(),
  warehouseName: z.string().default(''),
  supplierArticle: z.string().default(''),
  nmId: z.number().int().optional(),
  barcode: z.string().default(''),
  srid: z.string(),
  priceWithDisc: z.number().default(0),
  finishedPrice: z.number().default(0),
  totalPrice: z.number().default(0),
  subject: z.string().default(''),
  brand: z.string().default(''),
};

export const orderRows = z.array(
  z.object({ ...reportProduct, isCancel: z.boolean().default(false), cancelDate: z.string().optional() }),
);
export type WbOrderRow = z.infer<typeof orderRows>[number];

export const saleRows = z.array(z.object({ ...reportProduct, saleID: z.string(), forPay: z.number().default(0) }));

export const stockRows = z.array(
  z.object({
    lastChangeDate: z.string(),
    warehouseName: z.string(),
    supplierArticle: z.string().default(''),
    barcode: z.string().default(''),
    quantity: z.number().int().default(0),
    inWayToClient: z.number().int().default(0),
    quantityFull: z.number().int().optional(),
  }),
);

export const cardsAnswer = z.object({
  cards: z.array(
    z.object({
      nmID: z.number().int(),
      vendorCode: z.string(),
      title: z.string().default(''),
      sizes: z
        .array(
          z.object({
            chrtID: z.number().int(),
            techSize: z.string().default(''),
            skus: z.array(z.string()).default([]),
          }),
        )
        .default([]),
    }),
  ),
  cursor: z.object({ updatedAt: z.string().optional(), nmID: z.number().int().optional(), total: z.number().int() }),
});

const fbsOrder = z.object({
  id: z.number().int(),
  rid: z.string(),
  createdAt: z.string(),
  warehouseId: z.number().int().optional(),
  nmId: z.number().int().optional(),
  chrtId: z.number().int().optional(),
  article: z.string().default(''),
  skus: z.array(z.string()).default([]),
  price: z.number().int().default(0),
  currencyCode: z.number().int().optional(),
});
export type WbFbsOrder = z.infer<typeof fbsOrder>;

export const fbsOrdersPage = z.object({ next: z.number().int(), orders: z.array(fbsOrder) });
export const fbsStatuses = z.object({
  orders: z.array(
    z.object({ id: z.number().int(), supplierStatus: z.string().optional(), wbStatus: z.string().optional() }),
  ),
});

export const feedbacksAnswer = z.object({
  data: z
    .object({
      feedbacks: z.array(
        z.object({
          id: z.string(),
          text: z.string().default(''),
          pros: z.string().default(''),
          cons: z.string().default(''),
          productValuation: z.number().int(),
          createdDate: z.string(),
          answer: z.object({ text: z.string() }).partial().nullish(),
          userName: z.string().default(''),
          productDetails: z
            .object({
              nmId: z.number().int().optional(),
              productName: z.string().optional(),
              supplierArticle: z.string().nullish(),
            })
            .partial()
            .default({}),
        }),
      ),
    })
    .nullable(),
});

export const claimsAnswer = z.object({
  claims: z.array(
    z.object({
      id: z.string(),
      status: z.number().int(),
      status_ex: z.number().int().optional(),
      nm_id: z.number().int().optional(),
      user_comment: z.string().default(''),
      dt: z.string(),
      srid: z.string().optional(),
      imt_name: z.string().nullish(),
    }),
  ),
  total: z.number().int(),
});

/** Rubles (a number with kopecks) → kopecks. */
export const rublesToMinor = (value: number) => Math.round(value * 100);
