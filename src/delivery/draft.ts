import type { DeliveryDraft, DeliveryService } from '../channels/core/delivery.ts';
import type { PackageRow, Problem } from './packages.ts';

/** The service's limit on our number (CDEK `number`: at most 40 ASCII letters, digits and signs). */
const NUMBER = /^[\x21-\x7E]{1,40}$/;

const missing = (field: string): Problem => ({ field, reason: 'missing' });

/**
 * The delivery order a package asks for, or what it lacks: our own checks first (a recipient to
 * call, an address or a pick-up point, weight and size, the goods), then the service's
 * (`DeliveryService.check`), so nothing the service would refuse is sent.
 */
export function draftOf(
  p: PackageRow,
  service: Pick<DeliveryService, 'check'>,
): { draft: DeliveryDraft | null; problems: Problem[] } {
  const problems: Problem[] = [];
  const need = (field: string, value: unknown) => {
    if (value === null || value === undefined || value === '' || (typeof value === 'number' && !(value > 0)))
      problems.push(missing(field));
  };
  if (!NUMBER.test(p.number)) problems.push({ field: 'number', reason: 'at most 40 ASCII letters, digits and signs' });
  need('recipient.name', p.recipient.name);
  need('recipient.phone', p.recipient.phone);
  if (!p.delivery_point) {
    if (!p.address) problems.push(missing('address'));
    else {
      need('address.countryCode', p.address.countryCode);
      need('address.city', p.address.city);
      need('address.address', p.address.address);
    }
  }
  need('weight_grams', p.weight_grams);
  need('length_cm', p.length_cm);
  need('width_cm', p.width_cm);
  need('height_cm', p.height_cm);
  if (!p.items.length) problems.push(missing('items'));
  if (problems.length) return { draft: null, problems };

  const units = p.items.reduce((sum, i) => sum + i.quantity, 0);
  const a = p.address;
  const draft: DeliveryDraft = {
    number: p.number,
    recipient: { name: p.recipient.name!, phone: p.recipient.phone!, email: p.recipient.email ?? null },
    deliveryPoint: p.delivery_point,
    address:
      a && !p.delivery_point
        ? {
            countryCode: a.countryCode!,
            city: a.city!,
            address: a.address!,
            postalCode: a.postalCode ?? null,
            region: a.region ?? null,
          }
        : null,
    weightGrams: p.weight_grams!,
    lengthCm: p.length_cm!,
    widthCm: p.width_cm!,
    heightCm: p.height_cm!,
    // The service wants each unit's weight: the parcel's shared out, at least a gram.
    items: p.items.map((i) => ({
      sku: i.sku,
      name: i.name,
      quantity: i.quantity,
      costMinor: Number(i.price_minor),
      weightGrams: Math.max(1, Math.floor(p.weight_grams! / units)),
    })),
    currency: p.currency,
    comment: null,
  };
  return { draft, problems: service.check(draft) };
}

/** Problems in one line, for outbox_errors and the order's delivery_error. */
export const problemsText = (number: string, problems: Problem[]) =>
  `Delivery order ${number} was not sent: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`;
