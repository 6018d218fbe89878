import { z } from 'zod';

/**
 * What Sklad reads of CDEK's answers (../shared/specs/cdek/CONTRACT.md and its samples), and
 * no more: a field CDEK adds is ignored, a field we need and do not get is an error naming it.
 */

/** §1: the client-credentials token. */
export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().nonnegative(),
  scope: z.string().optional(),
});

const problem = z.object({ code: z.string(), message: z.string().default('') });
/** §2: one request on an entity; its state says whether CDEK has checked it yet. */
const request = z.object({
  type: z.string(),
  state: z.enum(['ACCEPTED', 'WAITING', 'SUCCESSFUL', 'INVALID']),
  errors: z.array(problem).optional(),
});
const requests = z.array(request).min(1);

export type CdekProblem = z.infer<typeof problem>;

/** §2/§3: the answer to a create (an order, a print job): the entity's uuid and the request's state. */
export const createdAnswer = z.object({ entity: z.object({ uuid: z.string().min(1) }), requests });

/** §4: an order (samples/get-order.response.json); `cdek_number` appears once it is registered. */
export const orderAnswer = z.object({
  entity: z.object({
    uuid: z.string().min(1),
    number: z.string().optional(),
    cdek_number: z.string().min(1).optional(),
    statuses: z.array(z.object({ code: z.string().min(1), date_time: z.string() })).default([]),
  }),
  requests,
});

/** §6: a print job; the `url` of the PDF once it is formed. */
export const printAnswer = z.object({
  entity: z.object({
    uuid: z.string().min(1),
    url: z.url().optional(),
    statuses: z.array(z.object({ code: z.string(), name: z.string().optional() })).default([]),
  }),
  requests,
});

/** §8: a refusal: the envelope's requests with their errors (an OAuth server's `error_description` too). */
const refusalBody = z.union([
  z.object({ requests: z.array(z.object({ errors: z.array(problem).optional() })) }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);

/** The errors of a refusal, or none when the body is not CDEK's. */
export function refusalProblems(body: unknown): CdekProblem[] {
  const parsed = refusalBody.safeParse(body);
  if (!parsed.success) return [];
  if ('requests' in parsed.data) return parsed.data.requests.flatMap((r) => r.errors ?? []);
  return [{ code: parsed.data.error, message: parsed.data.error_description ?? '' }];
}

/** CDEK's own words of a refusal: `code: message; …`. */
export const refusalText = (body: unknown): string | null => {
  const problems = refusalProblems(body);
  return problems.length ? problems.map((p) => (p.message ? `${p.code}: ${p.message}` : p.code)).join('; ') : null;
};

/** §7: what CDEK posts to an ORDER_STATUS subscription. */
export const orderStatusWebhook = z.object({
  type: z.literal('ORDER_STATUS'),
  uuid: z.string().min(1),
  attributes: z.object({ number: z.string().min(1).nullish(), status_code: z.string().min(1) }),
});

/** Issues of a parse as `entity.uuid: expected string, received undefined; …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map(
      (i) =>
        `${i.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || '(root)'}: ${i.message}`,
    )
    .join('; ');
}
