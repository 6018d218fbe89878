import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { say } from './lang.ts';

/** What the API answers on an error: the one error shape. */
const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/**
 * An error answer of the hub: the API's message, with its HTTP status, and its code and details
 * (src/cli/lang.ts says it by its code, in the CLI's language).
 */
export class HubError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * An answer with (at least) these fields, every other one kept: the border check for answers
 * whose full shape is the domain's type (a trace, a package), which the command then prints.
 */
export const shaped = <T>(...fields: string[]) =>
  z
    .object(Object.fromEntries(fields.map((f) => [f, z.unknown().refine((v) => v !== undefined, `${f} is missing`)])))
    .loose()
    .transform((v) => v as unknown as T);

type Query = Record<string, string | number | boolean | undefined>;

/**
 * The running hub's API as a CLI command asks it (src/cli/hub-link.ts finds it). Every answer
 * is checked with the schema the caller gives (the border); an error answer becomes an Error
 * with the API's own message, so the command prints it as it prints its local errors.
 */
export class HubApi {
  constructor(
    readonly url: string,
    private readonly key: string,
  ) {}

  async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<z.infer<S>> {
    const target = new URL(`/api/v1${path}`, this.url);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) target.searchParams.set(name, String(value));
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: {
          'x-api-secret-key': this.key,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new Error(say('cli.hub.silent', { url: this.url, cause }));
    }
    const text = await res.text();
    const body: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const failed = ErrorBody.safeParse(body);
      if (!failed.success) throw new HubError(say('cli.hub.http', { method, path, status: res.status }), res.status);
      throw new HubError(failed.data.error.message, res.status, failed.data.error.code, failed.data.error.details);
    }
    return schema.parse(body);
  }

  get<S extends z.ZodType>(path: string, schema: S, query?: Query) {
    return this.request('GET', path, schema, { query });
  }

  post<S extends z.ZodType>(path: string, schema: S, body?: unknown, query?: Query) {
    return this.request('POST', path, schema, { body: body ?? {}, query });
  }

  /** A file the API serves (a catalog export's CSV or XLSX), as bytes. */
  async download(path: string, query: Query): Promise<Buffer> {
    const target = new URL(`/api/v1${path}`, this.url);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) target.searchParams.set(name, String(value));
    const res = await fetch(target, { headers: { 'x-api-secret-key': this.key } });
    if (!res.ok) {
      const failed = ErrorBody.safeParse(await res.json().catch(() => null));
      if (!failed.success)
        throw new HubError(say('cli.hub.http', { method: 'GET', path, status: res.status }), res.status);
      throw new HubError(failed.data.error.message, res.status, failed.data.error.code, failed.data.error.details);
    }
    return Buffer.from(await res.arrayBuffer());
  }

  /** A file sent as a multipart form (an import's upload), the answer checked with `schema`. */
  async upload<S extends z.ZodType>(path: string, schema: S, form: FormData): Promise<z.infer<S>> {
    const res = await fetch(new URL(`/api/v1${path}`, this.url), {
      method: 'POST',
      headers: { 'x-api-secret-key': this.key },
      body: form,
    });
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const failed = ErrorBody.safeParse(body);
      throw new HubError(
        failed.success ? failed.data.error.message : say('cli.hub.http', { method: 'POST', path, status: res.status }),
        res.status,
      );
    }
    return schema.parse(body);
  }
}

export const JobAccepted = z.object({ job_id: z.number().int() });

const Progress = z
  .object({ done: z.number().optional(), total: z.number().optional(), message: z.string().optional() })
  .nullable()
  .catch(null);
const Job = z.object({
  id: z.number().int(),
  type: z.string(),
  status: z.string(),
  progress: Progress,
  result: z.unknown(),
  last_error: z.string().nullable(),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  run_at: z.string(),
});
export type JobView = z.infer<typeof Job>;
export type ProgressUpdate = { done?: number; total?: number; message?: string };

/**
 * Follows a job in the hub until it ends, passing its progress on. A failed attempt ends the
 * following too (the hub retries it later, with back-off): the caller says so.
 */
export async function followJob(
  api: HubApi,
  jobId: number,
  progress?: (u: ProgressUpdate) => void | Promise<void>,
): Promise<JobView> {
  let last = '';
  for (;;) {
    const job = await api.get(`/jobs/${jobId}`, Job);
    const seen = JSON.stringify(job.progress);
    if (job.progress && seen !== last) await progress?.(job.progress);
    last = seen;
    if (['succeeded', 'dead', 'cancelled', 'failed'].includes(job.status)) return job;
    await sleep(200);
  }
}

/** A job that did not succeed, as an error with its reason. */
export function jobFailure(job: JobView): Error | null {
  if (job.status === 'succeeded') return null;
  const error = job.last_error ?? say('cli.job.ended', { id: job.id, status: job.status });
  return new Error(
    job.status === 'failed'
      ? say('cli.job.retry', { error, at: job.run_at, attempt: job.attempts, max: job.max_attempts })
      : error,
  );
}
