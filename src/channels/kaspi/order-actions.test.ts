import { expect, it } from 'vitest';
import { cancellationOf } from './order-actions.ts';

/** The seller's text for a cancellation → §5's cancellationReason and, for a CANCELLING order only, its comment. */
it('takes a reason of §5 the seller names exactly, MERCHANT_OUT_OF_STOCK otherwise; a comment only for CANCELLING', () => {
  expect(cancellationOf(undefined, 'APPROVED_BY_BANK')).toEqual({ cancellationReason: 'MERCHANT_OUT_OF_STOCK' });
  expect(cancellationOf('Нет в наличии', 'ACCEPTED_BY_MERCHANT')).toEqual({
    cancellationReason: 'MERCHANT_OUT_OF_STOCK',
  });
  expect(cancellationOf('BUYER_NOT_REACHABLE', 'APPROVED_BY_BANK')).toEqual({
    cancellationReason: 'BUYER_NOT_REACHABLE',
  });
  expect(cancellationOf('Звонили трижды: BUYER_NOT_REACHABLE.', 'APPROVED_BY_BANK')).toEqual({
    cancellationReason: 'BUYER_NOT_REACHABLE',
  });
  // Not exactly a code (other case, a longer word), or two codes at once: the default.
  for (const text of ['buyer_not_reachable', 'XBUYER_NOT_REACHABLE', 'BUYER_NOT_REACHABLE or MERCHANT_OUT_OF_STOCK'])
    expect(cancellationOf(text, 'APPROVED_BY_BANK').cancellationReason).toBe('MERCHANT_OUT_OF_STOCK');
  expect(cancellationOf('BUYER_CANCELLATION_BY_MERCHANT', 'ACCEPTED_BY_MERCHANT').cancellationReason).toBe(
    'BUYER_CANCELLATION_BY_MERCHANT',
  );
  expect(cancellationOf(`  ${'x'.repeat(1200)} `, 'CANCELLING')).toEqual({
    cancellationReason: 'MERCHANT_OUT_OF_STOCK',
    cancellationComment: 'x'.repeat(1000),
  });
});
