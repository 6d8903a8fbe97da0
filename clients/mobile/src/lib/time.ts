import { timestampDate, timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';

export function tsToDate(ts: Timestamp | undefined): Date | undefined {
  if (!ts) return undefined;
  return timestampDate(ts);
}

export function dateToTs(d: Date): Timestamp {
  return timestampFromDate(d);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-12-08" in local time (what <input type="date"> holds). */
export function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "09:00" in local time (what <input type="time"> holds). */
export function localTime(d: Date): string {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Parses a local date "YYYY-MM-DD" and time "HH:MM"; undefined when either is malformed. */
export function parseLocal(date: string, time: string): Date | undefined {
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const tm = /^(\d{2}):(\d{2})$/.exec(time);
  if (!dm || !tm) return undefined;
  const d = new Date(+dm[1], +dm[2] - 1, +dm[3], +tm[1], +tm[2], 0, 0);
  if (Number.isNaN(d.getTime()) || d.getMonth() !== +dm[2] - 1) return undefined;
  return d;
}

/** "12-08 09:00" (this year) or "2027-01-02 09:00". */
export function formatDateTime(d: Date | undefined, now: Date = new Date()): string {
  if (!d) return '';
  const date = d.getFullYear() === now.getFullYear()
    ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
    : localDate(d);
  return `${date} ${localTime(d)}`;
}

/** "12-08 09:00–11:00" for a window within one day. */
export function formatWindow(start: Date | undefined, end: Date | undefined, now: Date = new Date()): string {
  if (!start || !end) return '';
  if (localDate(start) === localDate(end)) return `${formatDateTime(start, now)}–${localTime(end)}`;
  return `${formatDateTime(start, now)} – ${formatDateTime(end, now)}`;
}
