// Countdowns to an order's next deadline (Order.next_deadline) and an offer's expiry.

export type Urgency = 'normal' | 'soon' | 'urgent' | 'overdue';

export interface CountdownParts {
  overdue: boolean;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
  urgency: Urgency;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Splits the time left (negative: past the deadline) into whole units. */
export function countdownParts(remainingMs: number): CountdownParts {
  const overdue = remainingMs < 0;
  // Whole seconds, rounded toward "more time left" while counting down so that 0s shows only at
  // the deadline, and toward "more overdue" afterwards.
  const total = overdue ? Math.floor(-remainingMs / SECOND) : Math.ceil(remainingMs / SECOND);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  let urgency: Urgency = 'normal';
  if (overdue) urgency = 'overdue';
  else if (remainingMs <= HOUR) urgency = 'urgent';
  else if (remainingMs <= 6 * HOUR) urgency = 'soon';
  return { overdue, days, hours, minutes, seconds, urgency };
}

type Translate = (key: string, params?: Record<string, unknown>) => string;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * "2天3小时" / "3小时05分" / "4分07秒" (zh) or "2d 3h" / "3h 05m" / "4m 07s" (en): the two
 * largest units that matter, wrapped as "剩余 …" / "… left" or "已超时 …" / "overdue by …".
 */
export function formatCountdown(remainingMs: number, t: Translate): string {
  const p = countdownParts(remainingMs);
  let span: string;
  if (p.days > 0) span = t('countdown.dh', { d: p.days, h: p.hours });
  else if (p.hours > 0) span = t('countdown.hm', { h: p.hours, m: pad(p.minutes) });
  else span = t('countdown.ms', { m: p.minutes, s: pad(p.seconds) });
  return t(p.overdue ? 'countdown.overdue' : 'countdown.left', { time: span });
}

export { DAY, HOUR, MINUTE, SECOND };
