import type { View } from '../context.ts';

/** The Sync section's tabs (history, API calls, errors), shared by sync.tsx and errors.tsx. */
export function SyncTabs({ v, current }: { v: View; current: 'history' | 'calls' | 'errors' }) {
  const link = (href: string, key: 'history' | 'calls' | 'errors', label: string) => (
    <a href={href} aria-current={current === key ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <nav class="tabs" aria-label={v.t('sync.title')}>
      {link('/sync', 'history', v.t('sync.history'))}
      {link('/sync/api-calls', 'calls', v.t('sync.apiCalls'))}
      {link('/sync/errors', 'errors', v.t('sync.outboxErrors'))}
    </nav>
  );
}
