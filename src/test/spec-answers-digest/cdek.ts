import { must, section } from '../../../simulators/toolkit/contract-doc.ts';
import { extra, longest, specFile, type Answer, type Rng } from './server.ts';

/**
 * CDEK's answers from its recorded samples (../shared/specs/cdek/samples, real answers of its test
 * environment) and its digest (CONTRACT.md): the token of §1, the envelope `entity` + `requests[]`
 * of §2, and the `errors[]` codes of §8, each sample changed as a case asks and read at run time.
 */

const doc = specFile('cdek', 'CONTRACT.md');
const sample = (name: string) =>
  JSON.parse(specFile('cdek', 'samples', name)) as Record<string, unknown> & {
    entity: Record<string, unknown>;
    requests: Record<string, unknown>[];
  };

/** §8: the integration error codes the digest lists. */
export const errorCodes = [...section(doc, 8).matchAll(/`((?:v2|error)_[a-z_]+)`/g)].map((m) => m[1]);
must(/Response: `access_token`/, section(doc, 1), 'the token answer of §1');

/** §1: the token, with every field the digest names. */
export const token = (rng: Rng): Answer => ({
  body: {
    access_token: `eyJ.${rng.int(1, 1e9)}.sig`,
    token_type: 'bearer',
    expires_in: 3599,
    scope: 'order:all payment:all',
    jti: String(rng.int(1, 1e9)),
  },
});

export interface Shape {
  bare?: boolean;
  extras?: boolean;
  longest?: boolean;
  huge?: boolean;
}

const dress = (rng: Rng, body: ReturnType<typeof sample>, shape: Shape) => {
  if (shape.extras) {
    Object.assign(body, extra(rng));
    Object.assign(body.entity, extra(rng));
    for (const r of body.requests) Object.assign(r, extra(rng));
  }
  return body;
};

/** `POST /v2/orders` (samples/create-order.response.json): 202, ACCEPTED. */
export const created = (rng: Rng, shape: Shape = {}): Answer => ({
  status: 202,
  body: dress(rng, sample('create-order.response.json'), shape),
});

/** `GET /v2/orders/{uuid}` (samples/get-order.response.json) with the CREATE request in `state`. */
export function order(rng: Rng, state: string, shape: Shape = {}): Answer {
  const body = dress(rng, sample('get-order.response.json'), shape);
  body.requests = body.requests.map((r) => ({
    ...r,
    state,
    ...(state === 'INVALID' ? { errors: [{ code: 'v2_entity_invalid', message: 'Invalid order' }] } : {}),
  }));
  if (shape.bare) {
    for (const key of [
      'cdek_number',
      'statuses',
      'number',
      'comment',
      'delivery_detail',
      'calls',
      'services',
      'seller',
    ])
      delete body.entity[key];
  }
  if (shape.longest) {
    body.entity.comment = longest(255);
    body.entity.number = 'N'.repeat(40);
  }
  if (shape.huge) body.entity.tariff_code = 2 ** 63;
  return { body };
}

export const printCreated = (rng: Rng, shape: Shape = {}): Answer => ({
  status: 202,
  body: dress(rng, sample('print-orders-create.response.json'), shape),
});

/** `GET /v2/print/orders/{uuid}` (samples/print-orders-get.response.json), formed with its url when `url`. */
export function print(rng: Rng, opts: { url?: boolean } & Shape = {}): Answer {
  const body = dress(rng, sample('print-orders-get.response.json'), opts);
  if (opts.url) body.entity.url = `https://api.cdek.ru/v2/print/orders/${String(body.entity.uuid)}.pdf`;
  return { body };
}

/** A refusal (§8): the envelope's request INVALID with the error, for 4xx and 5xx alike. */
export const error = (status: number, code: string): Answer => ({
  status,
  body: {
    requests: [
      {
        request_uuid: '00000000-0000-4000-8000-000000000001',
        type: 'CREATE',
        state: 'INVALID',
        date_time: '2026-01-05T15:48:43+00:00',
        errors: [{ code, message: `CDEK says ${code}` }],
      },
    ],
  },
});
