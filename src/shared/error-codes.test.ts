import { describe, expect, it } from 'vitest';
import { errorText as messageFor } from '../web/i18n.ts';
import { errorCatalogue } from './error-codes.ts';
import { DomainError } from './errors.ts';

describe('the error catalogue', () => {
  it('fills a code’s template from the details, in either language', () => {
    const details = { field: 'sku', sku: 'MUG-1', product: { id: 7, sku: 'mug-1', name: 'Кружка', archived: true } };
    expect(messageFor('en', 'SKU_TAKEN', details, 'x')).toBe(
      'SKU "MUG-1" is already used by product 7 "Кружка" (archived: restore it or change its SKU)',
    );
    expect(messageFor('ru', 'SKU_TAKEN', { ...details, product: { ...details.product, archived: false } }, 'x')).toBe(
      'Артикул «MUG-1» уже занят товаром 7 «Кружка»',
    );
  });

  it('chooses a section by a detail, and says zero as zero', () => {
    const base = { warehouse_code: 'MAIN', on_hand: 3, reserved: 1, available: 0, requested: 2 };
    expect(messageFor('ru', 'STOCK_INSUFFICIENT', base, 'x')).toBe('На складе MAIN доступно только 0, а запрошено 2');
    expect(messageFor('en', 'STOCK_INSUFFICIENT', { ...base, releasing: true }, 'x')).toBe(
      'Only 1 reserved in MAIN; cannot release 2',
    );
    expect(messageFor('en', 'UNSUPPORTED_MEDIA_TYPE', { format: null }, 'x')).toBe(
      'The file is not an image; upload a JPEG, PNG or WebP picture',
    );
    expect(messageFor('en', 'WAREHOUSE_NOT_FOUND', { warehouse_ids: [4, 5] }, 'x')).toBe('No warehouse 4, 5');
  });

  it('gives way to the error’s own message when a detail is missing, and {message} is that message', () => {
    expect(messageFor('ru', 'WAREHOUSE_READ_ONLY', { warehouse_id: 3 }, 'Warehouse WB is read-only')).toBe(
      'Warehouse WB is read-only',
    );
    expect(messageFor('ru', 'NOT_FOUND', { product: 9 }, 'Product 9 does not exist')).toBe(
      'Не найдено: Product 9 does not exist',
    );
  });

  it('takes a DomainError’s status from the catalogue unless the code lists another', () => {
    expect(new DomainError('SKU_TAKEN', 'taken').status).toBe(409);
    expect(new DomainError('ACCOUNT_NEEDS_REAUTH', 'refused upstream', 502).status).toBe(502);
    // Checked by the type checker only (never run).
    const wrong = () => [
      // @ts-expect-error a status the catalogue does not list for the code
      new DomainError('NOT_FOUND', 'x', 409),
      // @ts-expect-error a code not in the catalogue
      new DomainError('NO_SUCH_CODE', 'x'),
    ];
    expect(wrong).toBeTypeOf('function');
  });

  it('has a message in both languages for every code, with balanced placeholders', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      for (const template of [entry.en, entry.ru]) {
        expect(template.length, code).toBeGreaterThan(0);
        expect(template.split('{').length, code).toBe(template.split('}').length);
      }
    }
  });
});
