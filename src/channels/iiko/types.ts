import { z } from 'zod';

/**
 * The parts of iiko Cloud answers Sklad reads, written from
 * ../shared/specs/iiko/iikocloud.openapi.json. Fields iiko marks nullable are nullish here;
 * unknown fields are dropped, so a new field upstream never breaks a sync.
 */

const uuid = z.string().min(1);
const text = z.string().nullish();
const amount = z.number().nullish();

export const errorBody = z.object({
  correlationId: z.string().optional(),
  errorDescription: z.string().optional(),
  error: z.string().nullish(),
});

/** iiko's own words from an error body, if it is one. */
export function iikoErrorText(body: unknown): string | null {
  const parsed = errorBody.safeParse(body);
  return parsed.success ? (parsed.data.errorDescription ?? parsed.data.error ?? null) : null;
}

export const correlationAnswer = z.object({ correlationId: z.string().optional() });

export const accessTokenAnswer = z.object({ token: z.string().min(1) });

export const organizationsAnswer = z.object({
  organizations: z.array(z.object({ id: uuid, name: text, code: text })),
});

const modifierLink = z.object({
  id: uuid,
  minAmount: z.number().int(),
  maxAmount: z.number().int(),
  defaultAmount: z.number().int().nullish(),
  required: z.boolean().nullish(),
  freeOfChargeAmount: z.number().int().nullish(),
});

export const nomenclatureGroup = z.object({
  id: uuid,
  parentGroup: text,
  name: z.string(),
  description: text,
  code: text,
  order: z.number().int().default(0),
  isIncludedInMenu: z.boolean().default(true),
  isGroupModifier: z.boolean().default(false),
  imageLinks: z.array(z.string()).nullish(),
  isDeleted: z.boolean().nullish(),
});
export type NomenclatureGroup = z.infer<typeof nomenclatureGroup>;

export const nomenclatureProduct = z.object({
  id: uuid,
  groupId: text,
  parentGroup: text,
  type: text,
  code: text,
  name: z.string(),
  description: text,
  weight: amount,
  measureUnit: text,
  fatAmount: amount,
  proteinsAmount: amount,
  carbohydratesAmount: amount,
  energyAmount: amount,
  fatFullAmount: amount,
  proteinsFullAmount: amount,
  carbohydratesFullAmount: amount,
  energyFullAmount: amount,
  order: z.number().int().nullish(),
  imageLinks: z.array(z.string()).nullish(),
  tags: z.array(z.string()).nullish(),
  isDeleted: z.boolean().nullish(),
  sizePrices: z
    .array(
      z.object({
        sizeId: text,
        price: z.object({ currentPrice: z.number(), isIncludedInMenu: z.boolean().default(true) }),
      }),
    )
    .nullish(),
  modifiers: z.array(modifierLink).nullish(),
  groupModifiers: z.array(modifierLink.extend({ childModifiers: z.array(modifierLink).nullish() })).nullish(),
});
export type NomenclatureProduct = z.infer<typeof nomenclatureProduct>;

export const nomenclatureSize = z.object({
  id: uuid,
  name: text,
  priority: z.number().int().nullish(),
  isDefault: z.boolean().nullish(),
});
export type NomenclatureSize = z.infer<typeof nomenclatureSize>;

/** Items are parsed one by one by the caller, so one odd item is a reported problem, not a failed sync. */
export const nomenclatureAnswer = z.object({
  groups: z.array(z.unknown()).default([]),
  products: z.array(z.unknown()).default([]),
  sizes: z.array(z.unknown()).default([]),
  revision: z.number().int(),
});

export const stopListsAnswer = z.object({
  terminalGroupStopLists: z.array(
    z.object({
      organizationId: uuid,
      items: z.array(
        z.object({
          terminalGroupId: uuid,
          items: z.array(z.object({ balance: z.number(), productId: uuid, sizeId: text, sku: text, dateAdd: text })),
        }),
      ),
    }),
  ),
});
export type StopListItem = z.infer<
  typeof stopListsAnswer
>['terminalGroupStopLists'][number]['items'][number]['items'][number];

const terminalGroup = z.object({ id: uuid, organizationId: uuid, name: z.string(), address: text, timeZone: text });
export type TerminalGroup = z.infer<typeof terminalGroup> & { inSleep: boolean };
export const terminalGroupsAnswer = z.object({
  terminalGroups: z.array(z.object({ organizationId: uuid, items: z.array(terminalGroup) })),
  terminalGroupsInSleep: z.array(z.object({ organizationId: uuid, items: z.array(terminalGroup) })).nullish(),
});

export const paymentTypesAnswer = z.object({
  paymentTypes: z.array(
    z.object({
      id: z.string().nullish(),
      code: text,
      name: text,
      comment: text,
      combinable: z.boolean().nullish(),
      isDeleted: z.boolean().nullish(),
      paymentProcessingType: text,
      paymentTypeKind: text,
      terminalGroups: z.array(terminalGroup).nullish(),
    }),
  ),
});
export type PaymentType = z.infer<typeof paymentTypesAnswer>['paymentTypes'][number];

export const combosAnswer = z.object({
  comboSpecifications: z
    .array(
      z.object({
        sourceActionId: uuid,
        categoryId: text,
        name: z.string().default(''),
        priceModificationType: z.number().int().nullish(),
        priceModification: amount,
        isActive: z.boolean().nullish(),
        startDate: text,
        expirationDate: text,
        sortOrder: z.number().int().nullish(),
        groups: z.array(z.unknown()).nullish(),
      }),
    )
    .nullish(),
  comboCategories: z.array(z.object({ id: z.string().nullish(), name: text })).nullish(),
});
export type Combo = NonNullable<z.infer<typeof combosAnswer>['comboSpecifications']>[number];

export const menusAnswer = z.object({
  externalMenus: z.array(z.object({ id: z.string(), name: z.string() })).nullish(),
  priceCategories: z.array(z.object({ id: z.string(), name: z.string() })).nullish(),
});

/** A webhook iiko posts: an array of events; Sklad acts on StopListUpdate and reads the rest's type only. */
export const webhookEvents = z.array(
  z.object({
    eventType: z.string(),
    eventTime: text,
    organizationId: z.string(),
    correlationId: text,
    eventInfo: z.unknown().optional(),
  }),
);
export type WebhookEvent = z.infer<typeof webhookEvents>[number];
