import crypto from 'node:crypto';
import sharp from 'sharp';
import { sql } from 'drizzle-orm';
import { recordOperation } from '../audit/operations.ts';
import { rows, type Executor } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';
import { getProduct, lockProduct, type ChangeOptions } from './products.ts';
import type { Product } from './schemas.ts';

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
// A 10 MB file may still unpack to a huge bitmap (a "decompression bomb"); 100 MP covers any camera.
const MAX_PIXELS = 100_000_000;
const acceptedFormats = new Set(['jpeg', 'png', 'webp']);

export interface PreparedImage {
  data: Buffer;
  thumb: Buffer;
  width: number;
  height: number;
  originalBytes: number;
  originalType: string;
}

/**
 * Reads what the bytes really are (not what the file name or header claims), then makes the
 * stored picture: turned upright by its EXIF, at most 1600×1600, WebP, metadata (GPS,
 * camera) dropped; and a 320×320 thumbnail cut to fill the square.
 */
export async function prepareImage(upload: Uint8Array): Promise<PreparedImage> {
  if (upload.byteLength > MAX_IMAGE_BYTES) {
    const mb = (upload.byteLength / 1024 / 1024).toFixed(1);
    throw new DomainError('PAYLOAD_TOO_LARGE', `The image is ${mb} MB; the limit is 10 MB`, 413, {
      field: 'file',
      bytes: upload.byteLength,
      mb,
    });
  }
  const input = Buffer.from(upload.buffer, upload.byteOffset, upload.byteLength);
  // sharp throws at once, not in its promise, for some inputs (an empty file): both mean "not an image".
  const meta = await Promise.resolve()
    .then(() => sharp(input).metadata())
    .catch(() => null);
  if (!meta?.format || !acceptedFormats.has(meta.format)) {
    const what = meta?.format ? `a ${meta.format.toUpperCase()} image` : 'not an image';
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `The file is ${what}; upload a JPEG, PNG or WebP picture`, 415, {
      field: 'file',
      format: meta?.format ?? null,
    });
  }
  if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_PIXELS) {
    throw new DomainError(
      'IMAGE_TOO_LARGE',
      `The image is ${meta.width}×${meta.height} pixels; at most 100 megapixels`,
      413,
      { field: 'file', width: meta.width, height: meta.height },
    );
  }
  try {
    const source = () => sharp(input, { limitInputPixels: MAX_PIXELS }).rotate();
    const main = await source()
      .resize(1600, 1600, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    const thumb = await source().resize(320, 320, { fit: 'cover' }).webp({ quality: 75 }).toBuffer();
    return {
      data: main.data,
      thumb,
      width: main.info.width,
      height: main.info.height,
      originalBytes: upload.byteLength,
      originalType: `image/${meta.format}`,
    };
  } catch (error) {
    throw new DomainError(
      'IMAGE_UNREADABLE',
      `The ${meta.format.toUpperCase()} file is damaged and could not be read: ${(error as Error).message}`,
      422,
      { field: 'file', format: meta.format, reason: (error as Error).message },
    );
  }
}

type ImageSummary = { width: number; height: number; bytes: number } | null;
const summaryOf = (product: Product): ImageSummary =>
  product.image && { width: product.image.width, height: product.image.height, bytes: product.image.bytes };

/** Sets (or replaces) the product's picture. The heavy image work runs before any row is locked. */
export async function setProductImage(
  ex: Executor,
  id: number,
  upload: Uint8Array,
  actor: string,
  options: ChangeOptions = {},
): Promise<Product> {
  await getProduct(ex, id);
  const image = await prepareImage(upload);
  const etag = crypto.createHash('sha256').update(image.data).digest('base64url').slice(0, 22);
  return ex.transaction(async (tx) => {
    const before = await lockProduct(tx, id, options);
    await tx.execute(sql`
      insert into product_images (product_id, content_type, width, height, bytes, original_bytes, original_type, etag, data, thumb)
      values (${id}, 'image/webp', ${image.width}, ${image.height}, ${image.data.byteLength}, ${image.originalBytes},
              ${image.originalType}, ${etag}, ${image.data}, ${image.thumb})
      on conflict (product_id) do update set
        content_type = excluded.content_type, width = excluded.width, height = excluded.height, bytes = excluded.bytes,
        original_bytes = excluded.original_bytes, original_type = excluded.original_type, etag = excluded.etag,
        data = excluded.data, thumb = excluded.thumb, updated_at = now()`);
    return touchProduct(tx, id, actor, 'image.set', summaryOf(before));
  });
}

export async function deleteProductImage(
  ex: Executor,
  id: number,
  actor: string,
  options: ChangeOptions = {},
): Promise<Product> {
  return ex.transaction(async (tx) => {
    const before = await lockProduct(tx, id, options);
    if (!before.image) return before;
    await tx.execute(sql`delete from product_images where product_id = ${id}`);
    return touchProduct(tx, id, actor, 'image.delete', summaryOf(before));
  });
}

/** A picture change is a change of the product: its version grows and history says what it was. */
async function touchProduct(tx: Executor, id: number, actor: string, action: string, before: ImageSummary) {
  await tx.execute(sql`update products set version = version + 1, updated_at = now() where id = ${id}`);
  const product = await getProduct(tx, id);
  await recordOperation(tx, {
    entityType: 'product',
    entityId: id,
    action,
    actor,
    changes: { image: { before, after: summaryOf(product) } },
  });
  return product;
}

export interface StoredPicture {
  body: Buffer;
  contentType: string;
  etag: string;
  updatedAt: string;
}

/** The stored picture or its thumbnail; 404 when the product has none. */
export async function readProductImage(ex: Executor, id: number, size: 'full' | 'thumbnail'): Promise<StoredPicture> {
  const column = size === 'full' ? sql`data` : sql`thumb`;
  const [row] = await rows<{ body: Uint8Array; content_type: string; etag: string; updated_at: string }>(
    ex,
    sql`
    select ${column} as body, content_type, etag, iso(updated_at) as updated_at from product_images where product_id = ${id}`,
  );
  if (!row) {
    await getProduct(ex, id);
    throw new DomainError('NOT_FOUND', `Product ${id} has no image`, 404, { product: id });
  }
  const body = Buffer.from(row.body.buffer, row.body.byteOffset, row.body.byteLength);
  return {
    body,
    contentType: row.content_type,
    etag: `"${row.etag}${size === 'full' ? '' : '-t'}"`,
    updatedAt: row.updated_at,
  };
}
