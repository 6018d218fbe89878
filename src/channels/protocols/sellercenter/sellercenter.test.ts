import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectedSignature } from '../../../../simulators/sellercenter/index.ts';
import { decimalToMinor, orderStatusOf } from './orders.ts';
import { signedQuery } from './signature.ts';

describe('the SellerCenter client’s signature (CONTRACT.md §2)', () => {
  it('signs the sorted, RFC 3986-encoded pairs with HMAC-SHA256 of the key, in lower-case hex, and sends them as signed', () => {
    // The Falabella docs' example request, encoded as its URL shows it.
    const query = signedQuery(
      {
        Version: '1.0',
        UserID: 'maintenance@sellercenter.net',
        Timestamp: '2015-07-21T05:14:49+02:00',
        Format: 'XML',
        Filter: 'sold-out',
        Action: 'GetProducts',
      },
      'key',
    );
    const message =
      'Action=GetProducts&Filter=sold-out&Format=XML&Timestamp=2015-07-21T05%3A14%3A49%2B02%3A00&UserID=maintenance%40sellercenter.net&Version=1.0';
    expect(query).toBe(`${message}&Signature=${crypto.createHmac('sha256', 'key').update(message).digest('hex')}`);
  });

  it('agrees with the simulator’s own reading of §2 on awkward values', () => {
    const params = {
      Action: 'GetProducts',
      Search: "a b+c!'()*~é",
      SkuSellerList: '["SKU 1","ü"]',
      UserID: 'a+b@example.com',
      Timestamp: '2024-01-01T00:00:00+00:00',
      Version: '1.0',
      Format: 'XML',
    };
    const query = new URLSearchParams(signedQuery(params, 'k3y!'));
    expect(query.get('Signature')).toBe(expectedSignature(params, 'k3y!'));
    expect(Object.fromEntries([...query].filter(([k]) => k !== 'Signature'))).toEqual(params);
  });
});

describe('SellerCenter orders in Sklad’s words', () => {
  it('turns decimal strings into minor units on the digits alone', () => {
    expect(decimalToMinor('61800.00', 'RUB')).toBe(6_180_000);
    expect(decimalToMinor('0.1', 'AED')).toBe(10);
    expect(decimalToMinor('125806.85', 'KZT')).toBe(12_580_685);
    // 0.29 * 100 is 28.999… as a float; the digits are exact.
    expect(decimalToMinor('1234567.29', 'RUB')).toBe(123_456_729);
    expect(decimalToMinor('12.345', 'RUB')).toBe(1235);
    expect(decimalToMinor('1.250', 'KWD')).toBe(1250);
    expect(decimalToMinor('-5.5', 'AED')).toBe(-550);
    expect(() => decimalToMinor('5,50', 'RUB')).toThrow(/not a decimal amount/);
  });

  it('reads an order’s status from its items’ statuses', () => {
    expect(orderStatusOf(['pending', 'pending'])).toBe('new');
    expect(orderStatusOf(['delivered', 'shipped'])).toBe('shipped');
    expect(orderStatusOf(['delivered', 'canceled'])).toBe('delivered');
    expect(orderStatusOf(['ready_to_ship'])).toBe('shipped');
    expect(orderStatusOf(['packed', 'ready_to_ship'])).toBe('confirmed');
    expect(orderStatusOf(['canceled', 'failed'])).toBe('cancelled');
    expect(orderStatusOf(['returned', 'canceled'])).toBe('returned');
    expect(orderStatusOf(['returned', 'delivered'])).toBe('delivered');
  });
});
