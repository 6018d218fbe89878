import crypto from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';

const picture = (
  width: number,
  height: number,
  format: 'png' | 'jpeg' | 'webp' | 'gif',
  options: { orientation?: number } = {},
) => {
  let image = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } }).toFormat(format);
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  return image.toBuffer();
};

describeEachDatabase('catalog: product images', (t) => {
  let server: TestServer;
  let id: number;
  beforeAll(async () => {
    server = await startTestServer(t.database);
    id = (await server.api('/api/v1/products', { method: 'POST', json: { sku: 'IMG-1', name: 'Photographed mug' } }))
      .body.id;
  });
  afterAll(() => server.close());

  const upload = (
    bytes: Uint8Array | string,
    fileName: string,
    options: { productId?: number; key?: string; type?: string } = {},
  ) => {
    const form = new FormData();
    form.append('file', new Blob([bytes as BlobPart], { type: options.type ?? 'image/png' }), fileName);
    return server.api(`/api/v1/products/${options.productId ?? id}/image`, {
      method: 'PUT',
      body: form,
      key: options.key,
    });
  };
  const fetchBytes = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(server.baseUrl + path, { headers: { 'x-api-secret-key': server.adminKey, ...headers } });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const stored = async () => (await server.api(`/api/v1/products/${id}`)).body;

  test('a PNG is stored as WebP with a 320×320 thumbnail, served with an ETag and 304 when unchanged', async () => {
    const res = await upload(await picture(400, 300, 'png'), 'mug.png');
    expect(res.status).toBe(200);
    expect(res.body.image).toMatchObject({
      url: `/api/v1/products/${id}/image`,
      thumbnail_url: `/api/v1/products/${id}/image/thumbnail`,
      width: 400,
      height: 300,
    });
    expect(res.body.version).toBe(2);

    const full = await fetchBytes(`/api/v1/products/${id}/image`);
    expect(full.res.status).toBe(200);
    expect(full.res.headers.get('content-type')).toBe('image/webp');
    expect(full.bytes.byteLength).toBe(res.body.image.bytes);
    expect(await sharp(full.bytes).metadata()).toMatchObject({ format: 'webp', width: 400, height: 300 });
    const etag = full.res.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    expect(full.res.headers.get('cache-control')).toContain('no-cache');

    const again = await fetchBytes(`/api/v1/products/${id}/image`, { 'if-none-match': etag });
    expect(again.res.status).toBe(304);

    const thumb = await fetchBytes(`/api/v1/products/${id}/image/thumbnail`);
    expect(thumb.res.status).toBe(200);
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({ format: 'webp', width: 320, height: 320 });
  });

  test('a big JPEG is fitted into 1600×1600 without changing its proportions; a small one is not enlarged', async () => {
    const big = await upload(await picture(4000, 2000, 'jpeg'), 'big.jpg', { type: 'image/jpeg' });
    expect(big.status).toBe(200);
    expect(big.body.image).toMatchObject({ width: 1600, height: 800 });
    const small = await upload(await picture(120, 90, 'webp'), 'small.webp', { type: 'image/webp' });
    expect(small.body.image).toMatchObject({ width: 120, height: 90 });
  });

  test('a photo is turned upright by its EXIF orientation and its metadata is not kept', async () => {
    // orientation 6: the camera was turned; the picture is shown rotated 90°
    const photo = await picture(200, 100, 'jpeg', { orientation: 6 });
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const res = await upload(photo, 'phone.jpg', { type: 'image/jpeg' });
    expect(res.body.image).toMatchObject({ width: 100, height: 200 });
    const full = await fetchBytes(`/api/v1/products/${id}/image`);
    const meta = await sharp(full.bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
  });

  test('a text file named .png and a GIF are refused with 415, a damaged PNG with 422, and the image stays as it was', async () => {
    const before = await stored();
    const text = await upload('this is not a picture at all', 'notes.png');
    expect(text.status).toBe(415);
    expect(text.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', details: { field: 'file' } });
    expect(text.body.error.message).toMatch(/not an image/);
    // the header of a PNG in front of text is not a PNG either
    const pngHeader = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('rest is text'),
    ]);
    expect((await upload(pngHeader, 'fake.png')).status).toBe(415);
    const gif = await upload(await picture(50, 50, 'gif'), 'anim.gif', { type: 'image/gif' });
    expect(gif.status).toBe(415);
    expect(gif.body.error.message).toMatch(/GIF/);
    // a real PNG cut in half: its header says PNG, its pixels are missing
    const noise = await sharp(crypto.randomBytes(200 * 200 * 3), { raw: { width: 200, height: 200, channels: 3 } })
      .png()
      .toBuffer();
    const cut = await upload(noise.subarray(0, noise.byteLength / 2), 'cut.png');
    expect(cut.status).toBe(422);
    expect(cut.body.error).toMatchObject({ code: 'IMAGE_UNREADABLE', details: { field: 'file' } });
    expect(await stored()).toEqual(before);
  });

  test('a file over 10 MB is refused with 413, whether just over the limit or far over it', async () => {
    const before = await stored();
    const justOver = await upload(crypto.randomBytes(10 * 1024 * 1024 + 10_000), 'huge.png');
    expect(justOver.status).toBe(413);
    expect(justOver.body.error.message).toMatch(/10 MB/);
    const farOver = await upload(crypto.randomBytes(12 * 1024 * 1024), 'huger.png');
    expect(farOver.status).toBe(413);
    expect(farOver.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await stored()).toEqual(before);
  });

  test('a form without the file, an unknown product, and a readonly key are refused', async () => {
    const empty = new FormData();
    empty.append('picture', 'nothing');
    const noFile = await server.api(`/api/v1/products/${id}/image`, { method: 'PUT', body: empty });
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.details[0].field).toBe('body.file');
    const json = await server.api(`/api/v1/products/${id}/image`, { method: 'PUT', json: { file: 'x' } });
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    expect((await upload(await picture(10, 10, 'png'), 'a.png', { productId: 999999 })).status).toBe(404);
    const readonly = await server.keyFor('readonly');
    expect((await upload(await picture(10, 10, 'png'), 'a.png', { key: readonly })).status).toBe(403);
    expect((await fetchBytes('/api/v1/products/999999/image')).res.status).toBe(404);
  });

  test('image changes are in the history; deleting the image leaves the product without one', async () => {
    const removed = await server.api(`/api/v1/products/${id}/image`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(removed.body.image).toBeNull();
    const gone = await server.api(`/api/v1/products/${id}/image`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toMatch(/has no image/);

    const page = (await server.api(`/api/v1/products/${id}/history`)).body;
    const actions = page.items.map((o: { action: string }) => o.action);
    expect(actions.slice(0, 2)).toEqual(['image.delete', 'image.set']);
    expect(page.items[0].changes.image).toEqual({
      before: { width: 100, height: 200, bytes: expect.any(Number) },
      after: null,
    });
    expect(page.items.at(-2).changes.image).toEqual({
      before: null,
      after: { width: 400, height: 300, bytes: expect.any(Number) },
    });
  });

  test('deleting a product with an image removes it; the image is part of the product, not a reference to it', async () => {
    const made = await server.api('/api/v1/products', { method: 'POST', json: { sku: 'IMG-2', name: 'Short-lived' } });
    await upload(await picture(20, 20, 'png'), 'x.png', { productId: made.body.id });
    const res = await server.api(`/api/v1/products/${made.body.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    const [left] = await t.database.query<{ n: number }>(
      'select count(*)::int as n from product_images where product_id = $1',
      [made.body.id],
    );
    expect(left.n).toBe(0);
  });
});
