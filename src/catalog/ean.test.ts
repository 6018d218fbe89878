import { expect, test } from 'vitest';
import { eanProblem, gtinCheckDigit } from './ean.ts';

test('right EAN-8, UPC-A and EAN-13 numbers pass', () => {
  for (const ean of [
    '96385074',
    '73513537',
    '036000291452',
    '012345678905',
    '4006381333931',
    '5901234123457',
    '4600051000057',
  ]) {
    expect(eanProblem(ean), ean).toBeNull();
  }
});

test('a wrong check digit is named with the digit it should be', () => {
  expect(eanProblem('4006381333932')).toMatch(/is 2 but should be 1/);
  expect(eanProblem('96385070')).toMatch(/should be 4/);
  expect(eanProblem('036000291450')).toMatch(/should be 2/);
  expect(gtinCheckDigit('400638133393')).toBe(1);
});

test('wrong lengths and letters are explained', () => {
  expect(eanProblem('1234567')).toMatch(/this one has 7/);
  expect(eanProblem('12345678901234')).toMatch(/this one has 14/);
  expect(eanProblem('4006-381333931')).toMatch(/digits only/);
});
