import type { LoggedRequest } from '../../../simulators/toolkit/index.ts';
import { checkExchange, findOperation, loadSpec } from '../../test/openapi-contract.ts';

/**
 * The Allegro contract check of a simulator's request log, shared by the connector's tests
 * (allegro.test.ts, the end-to-end and SIGKILL tests): every request the connector sent and
 * every answer the simulator gave, against ../shared/specs/allegro/swagger.yaml.
 *
 * Not checked: the OAuth endpoint (outside the spec) and the simulator's own /__sim controls;
 * 401 token answers on paths whose spec does not document them (Allegro sends them
 * everywhere); faults injected on purpose (429, 5xx, timeouts, malformed bodies). A `slow`
 * fault is a real answer, only late, and is checked. `injectedAnswers` names exchanges whose
 * answer a test broke on purpose: their request is checked, their 200 answer is not.
 */
export async function allegroContractCheck(
  log: readonly LoggedRequest[],
  options: { injectedAnswers?: (e: LoggedRequest) => boolean } = {},
): Promise<{ exchanges: LoggedRequest[]; kinds: string[]; problems: string[] }> {
  const spec = await loadSpec('allegro/swagger.yaml');
  const documented = (e: LoggedRequest) => Boolean(findOperation(spec, e.method, e.path)?.operation.responses?.[String(e.status)]);
  const exchanges = log.filter(
    (e) => !e.path.startsWith('/auth/') && !e.path.startsWith('/__sim/') && (e.fault === undefined || e.fault === 'slow') && (e.status !== 401 || documented(e)),
  );
  const problems: string[] = [];
  for (const e of exchanges) {
    const label = `${e.method} ${e.path}`;
    // Allegro's media type both ways: asked for on every call, and the type of every body sent.
    if (e.headers.accept !== 'application/vnd.allegro.public.v1+json') problems.push(`${label}: accept is ${e.headers.accept}`);
    if (e.body !== null && e.headers['content-type'] !== 'application/vnd.allegro.public.v1+json') problems.push(`${label}: content-type is ${e.headers['content-type']}`);
    const found = checkExchange(spec, e);
    problems.push(...(options.injectedAnswers?.(e) ? found.filter((p) => !/answer 200/.test(p)) : found));
  }
  const kinds = [...new Set(exchanges.map((e) => `${e.method} ${e.path.replace(/\/[0-9a-f-]{36}|\/\d{6,}/g, '/{id}')}`))].sort();
  return { exchanges, kinds, problems };
}
