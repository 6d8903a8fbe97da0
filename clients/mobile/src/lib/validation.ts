// Client-side checks that mirror the server's (services/core/validation.cc), so a person learns
// what to fix before sending. The server checks again; its INVALID_ARGUMENT names the field.
import { parseLocal } from './time';

export interface FieldError {
  /** i18n key (validation.*) */
  key: string;
  params?: Record<string, unknown>;
}
export type FormErrors = Record<string, FieldError>;

export const LIMITS = {
  serviceName: 40,
  address: 200,
  description: 1000,
  personName: 32,
  attendeesMax: 5000,
  windowsMax: 3,
  windowMinMinutes: 30,
  windowMaxHours: 12,
  windowHorizonDays: 180,
  reason: 500,
  summary: 1000,
  comment: 500,
  assistNote: 200,
  hoursMax: 24,
} as const;

/** Length in characters (Unicode code points), as the server counts. */
export function chars(s: string): number {
  return [...s].length;
}

// eslint-disable-next-line no-control-regex
const CONTROL_ONE_LINE = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A mainland mobile number, normalised to 11 digits; undefined if it is not one. */
export function normalizeMobile(value: string): string | undefined {
  let v = value.replace(/[\s-]/g, '');
  if (v.startsWith('+86')) v = v.slice(3);
  else if (v.startsWith('0086')) v = v.slice(4);
  return /^1[3-9]\d{9}$/.test(v) ? v : undefined;
}

export function checkText(
  value: string,
  min: number,
  max: number,
  multiline = false,
): FieldError | undefined {
  if ((multiline ? CONTROL_MULTILINE : CONTROL_ONE_LINE).test(value))
    return { key: multiline ? 'validation.control' : 'validation.oneLine' };
  const trimmed = value.trim();
  if (min > 0 && trimmed === '') return { key: 'validation.required' };
  if (chars(trimmed) < min) return { key: 'validation.minChars', params: { min } };
  if (chars(value) > max) return { key: 'validation.maxChars', params: { max } };
  return undefined;
}

export function checkMobile(value: string, required = true): FieldError | undefined {
  if (value.trim() === '') return required ? { key: 'validation.required' } : undefined;
  return normalizeMobile(value) ? undefined : { key: 'validation.mobile' };
}

export function checkPassword(value: string): FieldError | undefined {
  if (value === '') return { key: 'validation.required' };
  if (chars(value) < 8 || chars(value) > 128 || !/[A-Za-z]/.test(value) || !/\d/.test(value))
    return { key: 'validation.password' };
  return undefined;
}

export function checkInt(value: unknown, min: number, max: number): FieldError | undefined {
  const s = String(value ?? '').trim();
  if (s === '') return { key: 'validation.required' };
  if (!/^\d+$/.test(s)) return { key: 'validation.integer' };
  const n = Number(s);
  if (n < min || n > max) return { key: 'validation.range', params: { min, max } };
  return undefined;
}

export interface WindowInput {
  /** "YYYY-MM-DD", local time */
  date: string;
  /** "HH:MM" */
  start: string;
  /** "HH:MM", the same day */
  end: string;
}

export interface ParsedWindow {
  start: Date;
  end: Date;
}

/** Checks one to three windows; errors are keyed "windows" (the list) or "windows.<i>". */
export function checkWindows(
  windows: WindowInput[],
  now: Date,
): { errors: FormErrors; parsed: ParsedWindow[] } {
  const errors: FormErrors = {};
  const parsed: ParsedWindow[] = [];
  if (windows.length === 0) {
    errors.windows = { key: 'validation.windowsCount', params: { max: LIMITS.windowsMax } };
    return { errors, parsed };
  }
  if (windows.length > LIMITS.windowsMax) {
    errors.windows = { key: 'validation.windowsCount', params: { max: LIMITS.windowsMax } };
  }
  windows.forEach((w, i) => {
    const start = parseLocal(w.date, w.start);
    const end = parseLocal(w.date, w.end);
    const key = `windows.${i}`;
    if (!start || !end) {
      errors[key] = { key: 'validation.windowIncomplete' };
      return;
    }
    const minutes = (end.getTime() - start.getTime()) / 60000;
    if (minutes < LIMITS.windowMinMinutes || minutes > LIMITS.windowMaxHours * 60) {
      errors[key] = {
        key: 'validation.windowLength',
        params: { min: LIMITS.windowMinMinutes, max: LIMITS.windowMaxHours },
      };
    } else if (start.getTime() <= now.getTime()) {
      errors[key] = { key: 'validation.windowPast' };
    } else if (start.getTime() > now.getTime() + LIMITS.windowHorizonDays * 86400000) {
      errors[key] = { key: 'validation.windowTooFar', params: { days: LIMITS.windowHorizonDays } };
    }
    parsed.push({ start, end });
  });
  if (!Object.keys(errors).some((k) => k.startsWith('windows.'))) {
    const sorted = [...parsed].sort((a, b) => a.start.getTime() - b.start.getTime());
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].start.getTime() < sorted[i - 1].end.getTime()) {
        errors.windows = { key: 'validation.windowOverlap' };
        break;
      }
    }
  }
  return { errors, parsed };
}

export interface OrderFormValues {
  serviceLineId: string;
  serviceName: string;
  communityId: string;
  address: string;
  /** Audience enum value; 0 = not chosen */
  audience: number;
  attendees: string | number;
  windows: WindowInput[];
  description: string;
  contactName: string;
  contactPhone: string;
  /** Assisted ordering (a community worker for a resident). */
  onBehalfName: string;
  onBehalfPhone: string;
  assistNote: string;
}

export function emptyOrderForm(): OrderFormValues {
  return {
    serviceLineId: '',
    serviceName: '',
    communityId: '',
    address: '',
    audience: 0,
    attendees: '',
    windows: [],
    description: '',
    contactName: '',
    contactPhone: '',
    onBehalfName: '',
    onBehalfPhone: '',
    assistNote: '',
  };
}

/** Every problem of an order form, by field. Empty when it may be sent. */
export function validateOrderForm(
  f: OrderFormValues,
  opts: { now: Date; assisted?: boolean },
): FormErrors {
  const e: FormErrors = {};
  const put = (k: string, err: FieldError | undefined) => {
    if (err) e[k] = err;
  };
  if (!f.serviceLineId) e.serviceLineId = { key: 'validation.required' };
  put('serviceName', checkText(f.serviceName, 0, LIMITS.serviceName));
  if (!f.communityId) e.communityId = { key: 'validation.required' };
  put('address', checkText(f.address, 1, LIMITS.address));
  if (!f.audience) e.audience = { key: 'validation.required' };
  put('attendees', checkInt(f.attendees, 1, LIMITS.attendeesMax));
  Object.assign(e, checkWindows(f.windows, opts.now).errors);
  put('description', checkText(f.description, 0, LIMITS.description, true));
  put('contactName', checkText(f.contactName, 1, LIMITS.personName));
  put('contactPhone', checkMobile(f.contactPhone));
  if (opts.assisted) {
    put('onBehalfName', checkText(f.onBehalfName, 1, LIMITS.personName));
    put('onBehalfPhone', checkMobile(f.onBehalfPhone, false));
    put('assistNote', checkText(f.assistNote, 0, LIMITS.assistNote));
  }
  return e;
}

/** A reason, question or answer: 1 to 500 characters. */
export function checkReason(value: string): FieldError | undefined {
  return checkText(value, 1, LIMITS.reason, true);
}

export interface RatingValues {
  overall: number;
  punctuality: number;
  content: number;
  attitude: number;
  comment: string;
}

export function validateRating(r: RatingValues): FormErrors {
  const e: FormErrors = {};
  for (const k of ['overall', 'punctuality', 'content', 'attitude'] as const) {
    const v = r[k];
    if (!Number.isInteger(v) || v < 1 || v > 5) e[k] = { key: 'validation.stars' };
  }
  const c = checkText(r.comment, 0, LIMITS.comment, true);
  if (c) e.comment = c;
  return e;
}

export interface CompletionValues {
  actualAttendees: string | number;
  summary: string;
  /** volunteer id → hours as typed ("" = did not take part) */
  hours: Record<string, string | number>;
}

/** Hours as the server wants them: 0.5 to 24 in steps of 0.5. */
export function checkHours(value: string | number): FieldError | undefined {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.5 || n > LIMITS.hoursMax || Math.round(n * 2) !== n * 2)
    return { key: 'validation.hours', params: { max: LIMITS.hoursMax } };
  return undefined;
}

export function validateCompletion(c: CompletionValues): FormErrors {
  const e: FormErrors = {};
  const a = checkInt(c.actualAttendees, 0, LIMITS.attendeesMax);
  if (a) e.actualAttendees = a;
  const s = checkText(c.summary, 1, LIMITS.summary, true);
  if (s) e.summary = s;
  for (const [id, v] of Object.entries(c.hours)) {
    if (String(v).trim() === '') continue;
    const h = checkHours(v);
    if (h) e[`hours.${id}`] = h;
  }
  return e;
}

export interface RegisterValues {
  phone: string;
  password: string;
  displayName: string;
}

export function validateRegister(r: RegisterValues): FormErrors {
  const e: FormErrors = {};
  const p = checkMobile(r.phone);
  if (p) e.phone = p;
  const pw = checkPassword(r.password);
  if (pw) e.password = pw;
  const n = checkText(r.displayName, 1, LIMITS.personName);
  if (n) e.displayName = n;
  return e;
}

export function validateLogin(phone: string, password: string): FormErrors {
  const e: FormErrors = {};
  const p = checkMobile(phone);
  if (p) e.phone = p;
  if (password === '') e.password = { key: 'validation.required' };
  return e;
}
