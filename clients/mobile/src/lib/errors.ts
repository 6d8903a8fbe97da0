// Turns whatever a call threw into something a person understands: an i18n key for the kind of
// failure, and for INVALID_ARGUMENT the field it names (the message starts with the field's path,
// e.g. "draft.contact.phone: must be a mainland mobile number") with the server's detail.
import { Code, ConnectError } from '@connectrpc/connect';

export type ErrorKind =
  | 'network'
  | 'invalid'
  | 'unauthenticated'
  | 'permission'
  | 'notFound'
  | 'exists'
  | 'changed'
  | 'notAllowedNow'
  | 'tooMany'
  | 'unavailable'
  | 'timeout'
  | 'unimplemented'
  | 'cancelled'
  | 'internal';

export interface FriendlyError {
  kind: ErrorKind;
  /** i18n key of the message (errors.<kind>). */
  key: string;
  /** For `invalid`: the field path the server named, e.g. "draft.contact.phone". */
  field?: string;
  /** i18n key of the field's label when the path is known (fields.<name>). */
  fieldKey?: string;
  /** The server's explanation (for `invalid`, the part after the path). */
  detail?: string;
  code?: Code;
}

const kindByCode: Record<number, ErrorKind> = {
  [Code.Canceled]: 'cancelled',
  [Code.Unknown]: 'internal',
  [Code.InvalidArgument]: 'invalid',
  [Code.DeadlineExceeded]: 'timeout',
  [Code.NotFound]: 'notFound',
  [Code.AlreadyExists]: 'exists',
  [Code.PermissionDenied]: 'permission',
  [Code.ResourceExhausted]: 'tooMany',
  [Code.FailedPrecondition]: 'notAllowedNow',
  [Code.Aborted]: 'changed',
  [Code.OutOfRange]: 'invalid',
  [Code.Unimplemented]: 'unimplemented',
  [Code.Internal]: 'internal',
  [Code.Unavailable]: 'unavailable',
  [Code.DataLoss]: 'internal',
  [Code.Unauthenticated]: 'unauthenticated',
};

// Field paths the server names → the label keys of the forms (locales: fields.*).
const fieldLabels: Record<string, string> = {
  request_id: 'requestId',
  phone: 'phone',
  password: 'password',
  display_name: 'displayName',
  'draft.service_line_id': 'serviceLine',
  'draft.service_name': 'serviceName',
  'draft.community_id': 'community',
  'draft.address': 'address',
  'draft.audience': 'audience',
  'draft.expected_attendees': 'attendees',
  'draft.preferred_windows': 'windows',
  'draft.description': 'description',
  'draft.contact': 'contact',
  'draft.contact.name': 'contactName',
  'draft.contact.phone': 'contactPhone',
  'on_behalf_of.name': 'onBehalfName',
  'on_behalf_of.phone': 'onBehalfPhone',
  assist_note: 'assistNote',
  reason: 'reason',
  question: 'question',
  answer: 'answer',
  department_id: 'department',
  team_id: 'team',
  actual_attendees: 'actualAttendees',
  summary: 'summary',
  hours: 'hours',
  'rating.overall': 'ratingOverall',
  'rating.punctuality': 'ratingPunctuality',
  'rating.content': 'ratingContent',
  'rating.attitude': 'ratingAttitude',
  'rating.comment': 'ratingComment',
  offer_ttl: 'offerTtl',
};

const FIELD_PATH = /^([a-z_][a-z0-9_]*(?:\[\d+\])?(?:\.[a-z_][a-z0-9_]*(?:\[\d+\])?)*): (.+)$/s;

/** Splits "draft.contact.phone: must be …" into the path and the detail. */
export function parseFieldMessage(message: string): { field: string; detail: string } | undefined {
  const m = FIELD_PATH.exec(message.trim());
  if (!m) return undefined;
  return { field: m[1], detail: m[2] };
}

/** The label key for a field path: exact, else without indexes, else the closest parent. */
export function fieldLabelKey(path: string): string | undefined {
  let p = path.replace(/\[\d+\]/g, '');
  for (;;) {
    const hit = fieldLabels[p];
    if (hit) return `fields.${hit}`;
    const dot = p.lastIndexOf('.');
    if (dot < 0) return undefined;
    p = p.slice(0, dot);
  }
}

/** A failure to reach the server at all (no network, DNS, refused connection, CORS...). */
export function isNetworkError(err: unknown): boolean {
  if (err instanceof TypeError) return true; // fetch() rejects with TypeError
  if (err instanceof ConnectError) {
    if (err.code === Code.Unknown && err.cause instanceof TypeError) return true;
    if (err.code === Code.Unknown && /failed to fetch|networkerror|load failed|network/i.test(err.rawMessage))
      return true;
  }
  return false;
}

export function describeError(err: unknown): FriendlyError {
  if (isNetworkError(err)) return { kind: 'network', key: 'errors.network' };
  const ce = ConnectError.from(err);
  const kind = kindByCode[ce.code] ?? 'internal';
  const out: FriendlyError = { kind, key: `errors.${kind}`, code: ce.code };
  if (kind === 'invalid') {
    const parsed = parseFieldMessage(ce.rawMessage);
    if (parsed) {
      out.field = parsed.field;
      out.detail = parsed.detail;
      out.fieldKey = fieldLabelKey(parsed.field);
    } else if (ce.rawMessage) {
      out.detail = ce.rawMessage;
    }
  } else if (kind === 'notAllowedNow' || kind === 'exists') {
    if (ce.rawMessage) out.detail = ce.rawMessage;
  }
  return out;
}

/**
 * Whether trying the same request again later may succeed: the network or the server was
 * unavailable, the session must be renewed, or the order moved on. Everything else (bad input,
 * not allowed, not found...) fails the same way every time.
 */
export function isTransient(err: unknown): boolean {
  if (isNetworkError(err)) return true;
  const code = ConnectError.from(err).code;
  return (
    code === Code.Unavailable ||
    code === Code.DeadlineExceeded ||
    code === Code.ResourceExhausted ||
    code === Code.Unauthenticated ||
    code === Code.Canceled ||
    code === Code.Aborted
  );
}

/** The request_id was used before with other content: an earlier attempt went through. */
export function isRequestIdConflict(err: unknown): boolean {
  const e = describeError(err);
  return e.kind === 'invalid' && e.field === 'request_id';
}

type Translate = (key: string, params?: Record<string, unknown>) => string;

/** One line of text for a toast or an error block. */
export function formatError(e: FriendlyError, t: Translate): string {
  const base = t(e.key);
  if (e.kind === 'invalid' && e.field) {
    const label = e.fieldKey ? t(e.fieldKey) : e.field;
    return t('errors.invalidField', { field: label, detail: e.detail ?? '' });
  }
  if (e.detail && (e.kind === 'invalid' || e.kind === 'notAllowedNow'))
    return t('errors.withDetail', { message: base, detail: e.detail });
  return base;
}
