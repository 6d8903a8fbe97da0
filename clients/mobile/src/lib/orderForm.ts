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

const serverFieldToForm: Record<string, string> = {
  'draft.service_line_id': 'serviceLineId',
  'draft.service_name': 'serviceName',
  'draft.community_id': 'communityId',
  'draft.address': 'address',
  'draft.audience': 'audience',
  'draft.expected_attendees': 'attendees',
  'draft.preferred_windows': 'windows',
  'draft.description': 'description',
  'draft.contact': 'contactName',
  'draft.contact.name': 'contactName',
  'draft.contact.phone': 'contactPhone',
  'on_behalf_of': 'onBehalfName',
  'on_behalf_of.name': 'onBehalfName',
  'on_behalf_of.phone': 'onBehalfPhone',
  assist_note: 'assistNote',
};

/**
 * The form field a server INVALID_ARGUMENT path points at: "draft.contact.phone" → contactPhone,
 * "draft.preferred_windows[1].start" → "windows.1". Undefined for paths outside the form.
 */
export function formFieldOf(path: string): string | undefined {
  const w = /^draft\.preferred_windows\[(\d+)\]/.exec(path);
  if (w) return `windows.${w[1]}`;
  let p = path.replace(/\[\d+\]/g, '');
  for (;;) {
    if (serverFieldToForm[p]) return serverFieldToForm[p];
    const dot = p.lastIndexOf('.');
    if (dot < 0) return undefined;
    p = p.slice(0, dot);
  }
}
