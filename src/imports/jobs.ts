import { z } from 'zod';
import { defineJobType, PermanentJobError } from '../engine/jobs.ts';
import { runImport } from './run.ts';
import { IMPORT_JOB } from './service.ts';

const Payload = z.object({ importId: z.number().int().positive() });

/** Registers the `import.apply` job type (src/assembly.ts). A rolled-back attempt leaves nothing, so a retry starts over. */
export function registerImportJobs() {
  defineJobType(
    IMPORT_JOB,
    async ({ hub, job, signal, progress }) => {
      const parsed = Payload.safeParse(job.payload);
      if (!parsed.success) throw new PermanentJobError(`An import.apply job needs {importId}: ${parsed.error.message}`);
      return runImport(hub, parsed.data.importId, { signal, progress });
    },
    { timeoutMs: 30 * 60_000, maxAttempts: 3 },
  );
}
