import { z } from 'zod';
import { CredentialsRejected } from '../channels/core/connector.ts';
import { defineJobType, PermanentJobError } from '../engine/jobs.ts';
import { DomainError } from '../shared/errors.ts';
import { markExportFailed, runCatalogExport } from './run.ts';
import { EXPORT_JOB } from './service.ts';

const Payload = z.object({
  exportId: z.number().int().positive(),
  fromAccountId: z.number().int().positive(),
  toAccountId: z.number().int().positive(),
});

/**
 * What no retry can fix: a refused key, an account that is disabled or gone or takes no feed,
 * a request the channel refused as it is (a ChannelHttpError, or a protocol's own error such
 * as SellerCenter's ErrorResponse, that says it is not retryable).
 */
const permanent = (error: unknown) =>
  error instanceof CredentialsRejected ||
  error instanceof DomainError ||
  (error as { retryable?: unknown } | null)?.retryable === false;

/** Registers the `catalog.export` job type (src/assembly.ts). */
export function registerExportJobs() {
  defineJobType(
    EXPORT_JOB,
    async ({ hub, job, signal, progress }) => {
      const parsed = Payload.safeParse(job.payload);
      if (!parsed.success)
        throw new PermanentJobError(
          `A catalog.export job needs {exportId, fromAccountId, toAccountId}: ${parsed.error.message}`,
        );
      const { exportId } = parsed.data;
      try {
        return await runCatalogExport(hub, exportId, { jobId: job.id, signal, progress });
      } catch (error) {
        const message = (error as Error).message;
        if (signal.aborted) throw error;
        if (permanent(error) || job.attempt >= job.maxAttempts) await markExportFailed(hub.db, exportId, message);
        throw permanent(error) ? new PermanentJobError(message, { cause: error }) : error;
      }
    },
    // A big catalog's feeds can queue at the channel for a while: the job follows them to the end.
    { timeoutMs: 60 * 60_000, maxAttempts: 8 },
  );
}
