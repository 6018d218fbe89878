import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWorkers } from '../engine/worker.ts';
import { ensureWarehouse } from '../inventory/movements.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';

/**
 * The import over HTTP as the panel and `sklad import` beside a running hub use it: a multipart
 * upload answers the preview, apply queues the job the workers run, the import's page shows the
 * outcome; the tables download as files that name the same columns.
 */
describeEachDatabase('imports API', (t) => {
  let server: TestServer;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    await ensureWarehouse(server.hub.db, { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false });
    stop = startWorkers(server.hub, { types: ['import.apply'], pollMs: 20, stopGraceMs: 0 });
  });
  afterAll(async () => {
    await stop?.();
    await server?.close();
  });

  const upload = (kind: string, name: string, text: string) => {
    const form = new FormData();
    form.set('kind', kind);
    form.set('file', new Blob([text]), name);
    return server.api('/api/v1/imports', { method: 'POST', body: form });
  };
  /** The import once its job has ended (the job ends; no time is asserted). */
  const outcome = async (id: number) => {
    for (;;) {
      const { status, body } = await server.api(`/api/v1/imports/${id}`);
      if (status !== 200) throw new Error(`GET /imports/${id}: ${status} ${JSON.stringify(body)}`);
      if (body.job_status === 'dead' || body.job_status === 'failed')
        throw new Error(`the job ${body.job_status}: ${JSON.stringify(body)}`);
      if (['applied', 'invalid', 'failed'].includes(body.state)) return body;
      await sleep(20);
    }
  };

  test('upload → preview → apply → applied; a bad file lists its line; the export names the same columns', async () => {
    const preview = await upload(
      'products',
      'api.csv',
      'sku;name;MAIN;price;currency\nAPI-1;One;3;10.50;RUB\nAPI-2;Two;;;\n',
    );
    expect(preview.status, JSON.stringify(preview.body)).toBe(201);
    expect(preview.body).toMatchObject({
      state: 'uploaded',
      format: 'csv',
      columns: ['sku', 'name', 'MAIN', 'price', 'currency'],
      mapping: ['sku', 'name', 'stock:MAIN', 'price', 'currency'],
    });
    expect(preview.body.sample).toEqual([
      { line: 2, cells: ['API-1', 'One', '3', '10.50', 'RUB'] },
      { line: 3, cells: ['API-2', 'Two', '', '', ''] },
    ]);

    const applied = await server.api(`/api/v1/imports/${preview.body.id}/apply`, { method: 'POST', json: {} });
    expect(applied.status, JSON.stringify(applied.body)).toBe(202);
    expect(await outcome(preview.body.id)).toMatchObject({
      state: 'applied',
      counts: { rows: 2, created: 2, movements: 1, prices: 1 },
    });

    const again = await server.api(`/api/v1/imports/${preview.body.id}/apply`, { method: 'POST', json: {} });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'IMPORT_STATE' } } });

    const bad = await upload('stock', 'bad.csv', 'sku;MAIN\nAPI-1;-1\n');
    const wrong = await server.api(`/api/v1/imports/${bad.body.id}/apply`, {
      method: 'POST',
      json: { mapping: ['sku'] },
    });
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: 'IMPORT_MAPPING_INVALID' } } });
    await server.api(`/api/v1/imports/${bad.body.id}/apply`, { method: 'POST', json: {} });
    expect(await outcome(bad.body.id)).toMatchObject({
      state: 'invalid',
      errors_total: 1,
      errors: [{ line: 2, field: 'MAIN', message: expect.stringContaining('whole number') }],
    });

    const csv = await server.api('/api/v1/exports/products.csv?separator=,');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(String(csv.body).trim().split('\n')).toEqual([
      'sku,name,ean,description,price,currency',
      'API-1,One,,,10.50,RUB',
      'API-2,Two,,,,',
    ]);
    const stock = await server.api('/api/v1/exports/stock.csv');
    expect(String(stock.body).trim().split('\n')).toEqual(['sku;name;MAIN', 'API-1;One;3', 'API-2;Two;0']);

    const unreadable = await upload('products', 'empty.csv', '');
    expect(unreadable).toMatchObject({ status: 422, body: { error: { code: 'IMPORT_FILE_UNREADABLE' } } });
    const list = await server.api('/api/v1/imports');
    expect(list.body.items.map((i: { file_name: string }) => i.file_name)).toEqual(['bad.csv', 'api.csv']);
    const doc = await server.api('/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/imports', '/api/v1/imports/{id}/apply', '/api/v1/exports/stock.xlsx']),
    );
  }, 120_000);
});
