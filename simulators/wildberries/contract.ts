import { checkExchange, loadSpec, type Exchange } from '../../src/test/openapi-contract.ts';

/** WB publishes one spec file per API family; this names the file a path belongs to. */
export function wbSpecFile(path: string): string {
  if (path === '/ping') return 'wildberries/01-general.yaml';
  if (
    path.startsWith('/api/v3/stocks') ||
    path === '/api/v3/warehouses' ||
    path.startsWith('/content/') ||
    path.startsWith('/api/v2/')
  )
    return 'wildberries/02-products.yaml';
  if (path.startsWith('/api/v3/orders')) return 'wildberries/03-orders-fbs.yaml';
  if (path.startsWith('/api/v1/feedbacks') || path.startsWith('/api/v1/claims'))
    return 'wildberries/09-communications.yaml';
  if (path.startsWith('/api/v1/supplier')) return 'wildberries/12-reports.yaml';
  throw new Error(`No WB spec file covers ${path}`);
}

/** Checks every exchange against its family's spec file; returns the problems found. */
export async function checkWbLog(log: Exchange[]): Promise<string[]> {
  const problems: string[] = [];
  for (const exchange of log) problems.push(...checkExchange(await loadSpec(wbSpecFile(exchange.path)), exchange));
  return problems;
}
