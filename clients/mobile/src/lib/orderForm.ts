// The order form's values → the CreateOrderRequest the server takes.
import { create } from '@bufbuild/protobuf';
import { CreateOrderRequestSchema, type CreateOrderRequest } from '@/gen/kepu/v1/orders_pb';
import { dateToTs, localDate } from './time';
import { checkWindows, normalizeMobile, type OrderFormValues, type WindowInput } from './validation';

export function buildCreateOrderRequest(
  f: OrderFormValues,
  opts: { requestId: string; now: Date; assisted?: boolean },
): CreateOrderRequest {
  const windows = checkWindows(f.windows, opts.now)
    .parsed.slice()
    .sort((a, b) => a.start.getTime() - b.start.getTime());
  const req = create(CreateOrderRequestSchema, {
    requestId: opts.requestId,
    draft: {
      serviceLineId: f.serviceLineId,
      serviceName: f.serviceName.trim(),
      communityId: f.communityId,
      address: f.address.trim(),
      audience: f.audience,
      expectedAttendees: Number(String(f.attendees).trim()),
      preferredWindows: windows.map((w) => ({ start: dateToTs(w.start), end: dateToTs(w.end) })),
      description: f.description.trim(),
      contact: {
        name: f.contactName.trim(),
        phone: normalizeMobile(f.contactPhone) ?? f.contactPhone.trim(),
      },
    },
  });
  if (opts.assisted) {
    req.onBehalfOf = {
      $typeName: 'kepu.v1.Contact',
      name: f.onBehalfName.trim(),
      phone: f.onBehalfPhone.trim() ? (normalizeMobile(f.onBehalfPhone) ?? f.onBehalfPhone.trim()) : '',
    };
    req.assistNote = f.assistNote.trim();
  }
  return req;
}

/** The first window a new form proposes: a week from now, 09:00 to 11:00. */
export function defaultWindow(now: Date): WindowInput {
  const d = new Date(now.getTime() + 7 * 86400000);
  return { date: localDate(d), start: '09:00', end: '11:00' };
}
