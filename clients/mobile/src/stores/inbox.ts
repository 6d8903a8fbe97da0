// The unread count of the signed-in person's inbox (the bell's badge), kept current by
// NotificationService.WatchNotifications over server-sent events. When the watch is not live
// (the server does not offer it, the connection dropped, no EventSource), the count is read
// again every 30 s, when the page comes back into view or gets focus, and the watch is tried
// again every few minutes.
import { fromJson } from '@bufbuild/protobuf';
import { reactive } from 'vue';
import { api } from '@/api/client';
import { NotificationSchema, type Notification } from '@/gen/kepu/v1/notification_pb';
import { watchStreamOf, type EventSourceFactory, type StreamHandle } from '@/lib/sse';
import { session } from '@/stores/session';
import { settings } from '@/stores/settings';

export const POLL_MS = 30_000;
/** While the watch is not live, it is tried again every this many polls. */
export const WATCH_RETRY_POLLS = 4;

export const inbox = reactive({
  unread: 0,
  /** The count was read at least once since sign-in. */
  known: false,
  /** The watch is open: new notifications arrive as they happen. */
  live: false,
});

type Listener = (n: Notification) => void;
const listeners = new Set<Listener>();

/** Called for each notification that arrives live (the inbox screen reads its list again). */
export function onNotification(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function parseNotification(data: string): Notification {
  return fromJson(NotificationSchema, JSON.parse(data), { ignoreUnknownFields: true });
}

/** The count as the server has it now; failures keep the last one. */
export async function refreshUnread(): Promise<void> {
  if (!session.token) return;
  const user = session.user?.id;
  try {
    const r = await api().notifications.getUnreadCount({});
    if (session.user?.id !== user) return;
    inbox.unread = r.unreadCount;
    inbox.known = true;
  } catch {
    /* offline or not offered: the badge keeps what it showed */
  }
}

/** What MarkRead or ListNotifications answered. */
export function setUnread(n: number): void {
  inbox.unread = Math.max(0, n);
  inbox.known = true;
}

let started = false;
let handle: StreamHandle | undefined;
let generation = 0;
let pollTimer: ReturnType<typeof setInterval> | undefined;
let polls = 0;
let factory: EventSourceFactory | undefined;

function openWatch(): void {
  const gen = ++generation;
  handle?.close();
  handle = undefined;
  inbox.live = false;
  if (!factory && typeof EventSource === 'undefined') return;
  const h = watchStreamOf(
    'kepu.v1.NotificationService/WatchNotifications',
    { language: settings.locale },
    session.token || undefined,
    parseNotification,
    {
      onEvent: (n) => {
        if (gen !== generation) return;
        if (!n.read) inbox.unread++;
        for (const l of listeners) l(n);
      },
      onStatus: (s) => {
        if (gen !== generation) return;
        const was = inbox.live;
        inbox.live = s === 'live';
        // (Re)connected: what arrived while it was down is only in the count.
        if (s === 'live' && !was) void refreshUnread();
        if (s === 'closed') {
          // Refused (e.g. UNIMPLEMENTED) or ended: fall back to reading the count.
          handle = undefined;
          void refreshUnread();
        }
      },
    },
    ...(factory ? [factory] : []),
  );
  if (gen === generation) handle = h;
}

function tick(): void {
  if (inbox.live) return;
  void refreshUnread();
  polls++;
  if (!handle && polls % WATCH_RETRY_POLLS === 0) openWatch();
}

const onVisible = () => {
  if (typeof document === 'undefined' || document.visibilityState !== 'hidden') void refreshUnread();
};

/** Starts following the signed-in person's inbox (idempotent). */
export function startInbox(opts: { eventSource?: EventSourceFactory } = {}): void {
  if (opts.eventSource) factory = opts.eventSource;
  if (started) return;
  started = true;
  polls = 0;
  void refreshUnread();
  openWatch();
  pollTimer = setInterval(tick, POLL_MS);
  globalThis.addEventListener?.('focus', onVisible);
  globalThis.document?.addEventListener('visibilitychange', onVisible);
}

/** Reopens the watch (the language changed, or the person signed in again). */
export function restartInbox(): void {
  if (!started) return;
  void refreshUnread();
  openWatch();
}

/** Stops (signed out): no stream, no timer, the badge cleared. */
export function stopInbox(): void {
  started = false;
  generation++;
  handle?.close();
  handle = undefined;
  factory = undefined;
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = undefined;
  globalThis.removeEventListener?.('focus', onVisible);
  globalThis.document?.removeEventListener('visibilitychange', onVisible);
  inbox.unread = 0;
  inbox.known = false;
  inbox.live = false;
}
