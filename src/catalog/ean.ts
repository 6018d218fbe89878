/**
 * EAN-8, UPC-A (12 digits) and EAN-13 all end in a GS1 check digit: weights 3 and 1
 * alternate from the digit left of it, and the digit makes the sum a multiple of ten.
 */
export function gtinCheckDigit(digitsWithoutCheck: string): number {
  let sum = 0;
  for (let i = 0; i < digitsWithoutCheck.length; i++) {
    const fromRight = digitsWithoutCheck.length - 1 - i;
    sum += Number(digitsWithoutCheck[i]) * (fromRight % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** Why an EAN is wrong, in words a seller can act on; null when it is right. */
export function eanProblem(ean: string): string | null {
  if (!/^\d+$/.test(ean)) return 'EAN must contain digits only';
  if (![8, 12, 13].includes(ean.length)) {
    return `EAN must have 8 (EAN-8), 12 (UPC-A) or 13 (EAN-13) digits; this one has ${ean.length}`;
  }
  const expected = gtinCheckDigit(ean.slice(0, -1));
  const given = Number(ean.at(-1));
  return given === expected
    ? null
    : `EAN check digit is ${given} but should be ${expected}: check the number for a typo`;
}
