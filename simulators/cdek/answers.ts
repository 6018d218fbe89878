import crypto from 'node:crypto';
import type { OrderRequest } from './contract.ts';
import {
  cdekDate,
  cityCode,
  PRINT_STATUSES,
  type CdekOrder,
  type CdekPrintJob,
  type CdekProblem,
  type CdekRequest,
} from './state.ts';

/**
 * CDEK's answers: the common envelope of §2 (`entity`, `requests[]`, `related_entities[]`),
 * refusals of §8, the order entity as samples/get-order.response.json shows it and the print
 * job as samples/print-orders-get.response.json does, and the receipt PDF itself.
 */

type RequestType = 'CREATE' | 'UPDATE' | 'DELETE' | 'AUTH' | 'GET';

export const envelope = (entity: unknown, requests: CdekRequest[]) => ({ entity, requests, related_entities: [] });

/** A request that needs no background check (a webhook subscription): done at once. */
export const doneRequest = (type: CdekRequest['type'], now: number): CdekRequest => ({
  request_uuid: crypto.randomUUID(),
  type,
  state: 'SUCCESSFUL',
  date_time: cdekDate(now),
});

/** §8: the envelope without an entity, its one request INVALID with the errors. */
export function refusal(type: RequestType, errors: CdekProblem[], now: number) {
  return {
    requests: [{ request_uuid: crypto.randomUUID(), type, state: 'INVALID', date_time: cdekDate(now), errors }],
    related_entities: [],
  };
}

const contactOut = (contact: NonNullable<OrderRequest['sender']>) => ({
  ...contact,
  passport_requirements_satisfied: false,
});

/** A location as CDEK gives it back: what was sent, with the city's code and the country named. */
function locationOut(at: NonNullable<OrderRequest['to_location']>) {
  return {
    ...at,
    ...(at.city && at.code === undefined ? { code: cityCode(at.city) } : {}),
    country_code: at.country_code ?? 'RU',
    ...((at.country_code ?? 'RU') === 'RU' ? { country: 'Россия' } : {}),
  };
}

/** CDEK's delivery modes: 1 door–door, 2 door–office, 3 office–door, 4 office–office. */
const deliveryMode = (body: OrderRequest) => String(1 + (body.delivery_point ? 1 : 0) + (body.shipment_point ? 2 : 0));

/** Volumetric weight in grams: length × width × height (cm) ÷ 5 (the sample: 10 × 10 × 10 → 200). */
const volumeWeight = (p: OrderRequest['packages'][number]) => Math.round((p.length * p.width * p.height) / 5);

/** A made-up tariff: 300 ₽ and 50 ₽ a started kilogram, VAT 20 % on top. */
function deliveryDetail(body: OrderRequest) {
  const kilograms = Math.ceil(body.packages.reduce((sum, p) => sum + Math.max(p.weight, volumeWeight(p)), 0) / 1000);
  const sum = 300 + 50 * kilograms;
  return {
    delivery_sum: sum,
    total_sum: Math.round(sum * 1.2 * 100) / 100,
    payment_info: [],
    delivery_vat_rate: 20,
    delivery_vat_sum: Math.round(sum * 0.2 * 100) / 100,
  };
}

/** §4: the order entity (samples/get-order.response.json). */
export function orderEntity(order: CdekOrder) {
  const b = order.body;
  return {
    uuid: order.uuid,
    type: b.type ?? 1,
    is_return: false,
    is_reverse: false,
    ...(order.cdekNumber ? { cdek_number: order.cdekNumber } : {}),
    number: b.number ?? order.uuid,
    tariff_code: b.tariff_code,
    comment: b.comment,
    items_cost_currency: 'RUB',
    recipient_currency: 'RUB',
    delivery_recipient_cost: b.delivery_recipient_cost,
    sender: b.sender && contactOut(b.sender),
    recipient: contactOut(b.recipient),
    from_location: b.from_location && locationOut(b.from_location),
    to_location: b.to_location && locationOut(b.to_location),
    shipment_point: b.shipment_point,
    delivery_point: b.delivery_point,
    services: b.services,
    packages: b.packages.map((p, i) => ({
      ...p,
      barcode: order.barcodes[i],
      package_id: order.packageIds[i],
      weight_volume: volumeWeight(p),
      weight_calc: Math.max(p.weight, volumeWeight(p)),
      items: p.items?.map((item) => ({ ...item, delivery_amount: 0, excise: false })),
    })),
    statuses: [...order.statuses].reverse().map((s) => ({
      code: s.code,
      name: s.name,
      date_time: cdekDate(s.at),
      city: s.city,
      deleted: false,
      ...(s.reasonCode ? { reason_code: s.reasonCode } : {}),
    })),
    delivery_mode: deliveryMode(b),
    has_reverse_order: false,
    ...(order.cdekNumber ? { delivery_detail: deliveryDetail(b) } : {}),
  };
}

/** The PDF's address (§6: `…/v2/print/orders/{uuid}.pdf`, on the host the client called). */
export const printUrl = (job: CdekPrintJob) => `${job.origin}/v2/print/orders/${job.uuid}.pdf`;

/** §6: the print job (samples/print-orders-get.response.json); `url` once it is READY. */
export function printEntity(job: CdekPrintJob) {
  const ready = job.statuses.some((s) => s.code === 'READY');
  return {
    uuid: job.uuid,
    orders: job.orders,
    copy_count: job.copyCount,
    type: job.type,
    ...(ready ? { url: printUrl(job) } : {}),
    statuses: [...job.statuses]
      .reverse()
      .map((s) => ({ code: s.code, name: PRINT_STATUSES[s.code], date_time: cdekDate(s.at) })),
  };
}

/** PDF strings take ASCII here; parentheses and backslashes are escaped. */
const pdfText = (line: string) => line.replace(/[^\x20-\x7E]/g, '?').replace(/[\\()]/g, (c) => `\\${c}`);

/** A small valid one-page PDF (its xref offsets exact) with one line of text per entry. */
export function receiptPdf(lines: string[]): Buffer {
  const text = lines.map((l, i) => `BT /F1 12 Tf 40 ${260 - i * 18} Td (${pdfText(l)}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 298] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}
