import { z } from '@hono/zod-openapi';
import type { Product } from './schemas.ts';

/** `If-Match: 3` (or `"3"`, as an ETag): the version the editor saw; a stale one gets 409. */
export const IfMatch = z.object({
  'if-match': z
    .string()
    .regex(/^(W\/)?"?\d{1,9}"?$/, 'send the product version you edited, e.g. 3')
    .optional()
    .openapi({
      description: 'The product version you edited (its ETag); refused with 409 if someone changed it since',
    }),
});
export const expectedVersion = (headers: { 'if-match'?: string }) =>
  headers['if-match'] === undefined ? {} : { expectedVersion: Number(headers['if-match'].replace(/\D/g, '')) };

/** A product's ETag is its version, so what GET gives can be sent back as If-Match. */
export const etagOf = (product: Product) => `"${product.version}"`;
