// The order form while it is being written, kept in localStorage so that a reload or a closed tab
// loses nothing. Only what the person typed is a draft: a fresh (or reset) form is never saved,
// and a window that has passed meanwhile is not brought back.
import { parseLocal } from './time';
import { emptyOrderForm, type OrderFormValues } from './validation';

export interface OrderDraft {
  form: OrderFormValues;
  communityLabel: string;
}

/** Saved drafts carry this version; older entries were also written for untouched forms. */
const VERSION = 2;

/** A comparable picture of the form (what a draft would hold). */
export function draftSnapshot(d: OrderDraft): string {
  return JSON.stringify({ form: { ...emptyOrderForm(), ...d.form }, communityLabel: d.communityLabel });
}

export function saveDraft(key: string, d: OrderDraft): void {
  try {
    localStorage.setItem(key, JSON.stringify({ v: VERSION, form: d.form, communityLabel: d.communityLabel }));
  } catch {
    /* storage full or unavailable: the form still works, it is just not kept */
  }
}

export function clearDraft(key: string): void {
  localStorage.removeItem(key);
}

/** Something a person writes (not a default the form fills in by itself). */
function hasTypedText(f: OrderFormValues): boolean {
  return [f.serviceName, f.address, String(f.attendees ?? ''), f.description, f.onBehalfName, f.onBehalfPhone, f.assistNote]
    .some((v) => (v ?? '').trim() !== '');
}

/**
 * The draft kept under `key`, or undefined when there is none worth restoring. Windows that
 * started before `now` are dropped (the form proposes a new one); incomplete ones are kept.
 * An entry from before drafts were versioned counts only if something was typed into it (those
 * versions also saved the reset form after an order was sent); otherwise it is removed.
 */
export function loadDraft(key: string, now: Date): OrderDraft | undefined {
  let saved: { v?: number; form?: Partial<OrderFormValues>; communityLabel?: string };
  try {
    const raw = localStorage.getItem(key);
    if (!raw) return undefined;
    saved = JSON.parse(raw);
  } catch {
    clearDraft(key);
    return undefined;
  }
  if (!saved || typeof saved !== 'object' || !saved.form) {
    clearDraft(key);
    return undefined;
  }
  const form: OrderFormValues = { ...emptyOrderForm(), ...saved.form };
  if (saved.v !== VERSION && !hasTypedText(form)) {
    clearDraft(key);
    return undefined;
  }
  form.windows = (Array.isArray(form.windows) ? form.windows : []).filter((w) => {
    const start = parseLocal(w?.date ?? '', w?.start ?? '');
    return !start || start.getTime() > now.getTime();
  });
  return { form, communityLabel: saved.communityLabel ?? '' };
}
