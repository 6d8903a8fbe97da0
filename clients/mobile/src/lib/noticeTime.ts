// When a notification came, in words: "刚刚", "5 分钟前", "今天 14:05", "昨天 14:05",
// "12月3日 周四 14:05", "2025年12月3日 周三 14:05" (en: "just now", "5 min ago", "Today 14:05",
// "Yesterday 14:05", "Thu, Dec 3, 14:05", "Wed, Dec 3, 2025, 14:05"). Local time.
import { localTime } from './time';

type T = (key: string, named?: Record<string, unknown>) => string;

const dayStart = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();

export function formatNoticeTime(d: Date | undefined, t: T, now: Date = new Date()): string {
  if (!d) return '';
  const ms = now.getTime() - d.getTime();
  if (ms >= 0 && ms < 60_000) return t('inbox.time.justNow');
  if (ms >= 0 && ms < 3600_000) return t('inbox.time.minutesAgo', { n: Math.floor(ms / 60_000) });
  const days = Math.round((dayStart(now) - dayStart(d)) / 86400_000);
  const hm = localTime(d);
  if (days === 0) return t('inbox.time.today', { time: hm });
  if (days === 1) return t('inbox.time.yesterday', { time: hm });
  const named = {
    year: d.getFullYear(),
    month: d.getMonth() + 1,
    monthName: t(`inbox.time.month.${d.getMonth()}`),
    day: d.getDate(),
    weekday: t(`inbox.time.weekday.${d.getDay()}`),
    time: hm,
  };
  return d.getFullYear() === now.getFullYear() ? t('inbox.time.date', named) : t('inbox.time.dateYear', named);
}
