// The in-app inbox (issue 12): the bell's count (live, or read every 30 s when the watch is not
// offered), the inbox screen (unread first, 待办, time with weekday, open the order and mark it
// read, 全部已读, 还没有消息, 加载更多), and the alert settings (UpdatePreferences with a request id
// and the version read).
import { create, toJsonString, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Role } from '@/gen/kepu/v1/common_pb';
import {
  NoticeCategory,
  NotificationSchema,
  NotificationService,
  type MarkReadRequest,
  type Notification,
  type UpdatePreferencesRequest,
} from '@/gen/kepu/v1/notification_pb';
import { REQUEST_ID_PATTERN } from '@/lib/requestId';
import { formatNoticeTime } from '@/lib/noticeTime';
import type { EventSourceLike } from '@/lib/sse';
import { makeI18n } from '@/i18n';
import { inbox, POLL_MS, startInbox, stopInbox, WATCH_RETRY_POLLS } from '@/stores/inbox';
import NotificationBell from '@/components/NotificationBell.vue';
import InboxView from '@/views/InboxView.vue';
import NotificationPrefsView from '@/views/NotificationPrefsView.vue';
import { flushPromises, mountAt, signInAs, ts, useFakeServer } from './helpers';

function note(id: string, extra: MessageInitShape<typeof NotificationSchema> = {}): Notification {
  return create(NotificationSchema, {
    id,
    event: 'order.info_requested',
    category: NoticeCategory.STATUS,
    title: `标题 ${id}`,
    body: `内容 ${id}`,
    orderId: `order-${id}`,
    createdAt: ts(new Date('2026-12-07T06:05:00Z')),
    read: false,
    ...extra,
  });
}

afterEach(() => {
  stopInbox();
});

describe('formatNoticeTime', () => {
  const zh = makeI18n('zh-CN').global.t as unknown as (k: string, n?: Record<string, unknown>) => string;
  const en = makeI18n('en').global.t as unknown as (k: string, n?: Record<string, unknown>) => string;
  // Local time: the tests run with TZ as the machine has it, so build dates locally.
  const now = new Date(2026, 11, 8, 15, 0); // 2026-12-08 (Tuesday) 15:00

  it('relative within the hour, today / yesterday, then the date with the weekday', () => {
    expect(formatNoticeTime(new Date(2026, 11, 8, 14, 59, 30), zh, now)).toBe('刚刚');
    expect(formatNoticeTime(new Date(2026, 11, 8, 14, 55), zh, now)).toBe('5 分钟前');
    expect(formatNoticeTime(new Date(2026, 11, 8, 9, 5), zh, now)).toBe('今天 09:05');
    expect(formatNoticeTime(new Date(2026, 11, 7, 21, 30), zh, now)).toBe('昨天 21:30');
    expect(formatNoticeTime(new Date(2026, 11, 3, 14, 5), zh, now)).toBe('12月3日 周四 14:05');
    expect(formatNoticeTime(new Date(2025, 11, 3, 14, 5), zh, now)).toBe('2025年12月3日 周三 14:05');
    expect(formatNoticeTime(new Date(2026, 11, 8, 14, 55), en, now)).toBe('5 min ago');
    expect(formatNoticeTime(new Date(2026, 11, 7, 21, 30), en, now)).toBe('Yesterday 21:30');
    expect(formatNoticeTime(new Date(2026, 11, 3, 14, 5), en, now)).toBe('Thu, Dec 3, 14:05');
  });
});

describe('the bell', () => {
  it('says how many are unread, to the eye and to a screen reader', async () => {
    signInAs(Role.RESIDENT);
    useFakeServer(() => {});
    inbox.unread = 3;
    const { wrapper } = await mountAt(NotificationBell, '/r/orders');
    const bell = wrapper.get('[data-testid=nav-bell]');
    expect(bell.attributes('aria-label')).toBe('通知，3 条未读');
    expect(bell.attributes('href')).toBe('/inbox');
    expect(wrapper.get('[data-testid=nav-bell-badge]').text()).toBe('3');
    inbox.unread = 120;
    await flushPromises();
    expect(wrapper.get('[data-testid=nav-bell-badge]').text()).toBe('99+');
    inbox.unread = 0;
    await flushPromises();
    expect(bell.attributes('aria-label')).toBe('通知');
    expect(wrapper.find('[data-testid=nav-bell-badge]').exists()).toBe(false);
    wrapper.unmount();
  });
});

class FakeEventSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  private listeners: Array<(ev: MessageEvent) => void> = [];
  constructor(public url: string) {}
  addEventListener(type: string, l: (ev: MessageEvent) => void) {
    if (type === 'error') this.listeners.push(l);
  }
  close() {
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  /** The gateway refused the stream (an HTTP error): the browser gives up. */
  refuse() {
    this.readyState = 2;
    for (const l of this.listeners) l(new Event('error') as MessageEvent);
  }
  send(n: Notification) {
    this.onmessage?.(new MessageEvent('message', { data: toJsonString(NotificationSchema, n) }));
  }
}

describe('the unread count', () => {
  it('rises live with each new notification when the watch is offered', async () => {
    signInAs(Role.RESIDENT);
    let count = 2;
    useFakeServer((r) => r.service(NotificationService, { getUnreadCount: () => ({ unreadCount: count }) }));
    const streams: FakeEventSource[] = [];
    startInbox({ eventSource: (url) => { const es = new FakeEventSource(url); streams.push(es); return es; } });
    await flushPromises();
    expect(inbox.unread).toBe(2);
    expect(streams).toHaveLength(1);
    expect(streams[0].url).toBe('/sse/kepu.v1.NotificationService/WatchNotifications?language=zh-CN&access_token=test-token');
    streams[0].open();
    await flushPromises();
    expect(inbox.live).toBe(true);
    count = 3;
    streams[0].send(note('n-9'));
    expect(inbox.unread).toBe(3);
  });

  it('falls back to reading the count every 30 s and on focus when the watch is refused', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    signInAs(Role.RESIDENT);
    let count = 0;
    let calls = 0;
    useFakeServer((r) =>
      r.service(NotificationService, {
        getUnreadCount: () => {
          calls++;
          return { unreadCount: count };
        },
      }),
    );
    const streams: FakeEventSource[] = [];
    startInbox({ eventSource: (url) => { const es = new FakeEventSource(url); streams.push(es); return es; } });
    await flushPromises();
    streams[0].refuse(); // UNIMPLEMENTED: the gateway answers an HTTP error
    await flushPromises();
    expect(inbox.live).toBe(false);
    const before = calls;
    count = 1;
    vi.advanceTimersByTime(POLL_MS);
    await flushPromises();
    expect(calls).toBe(before + 1);
    expect(inbox.unread).toBe(1);
    count = 4;
    window.dispatchEvent(new Event('focus'));
    await flushPromises();
    expect(inbox.unread).toBe(4);
    // The watch is tried again now and then (it may have landed on the server since).
    vi.advanceTimersByTime(POLL_MS * WATCH_RETRY_POLLS);
    await flushPromises();
    expect(streams.length).toBe(2);
  });
});

describe('InboxView', () => {
  function server(items: Notification[], opts: { unread?: number; next?: string; more?: Notification[] } = {}) {
    const marked: MarkReadRequest[] = [];
    const listed: { pageToken: string; language: string }[] = [];
    useFakeServer((r) =>
      r.service(NotificationService, {
        listNotifications: (req) => {
          listed.push({ pageToken: req.page?.pageToken ?? '', language: req.language });
          if (req.page?.pageToken) return { notifications: opts.more ?? [], unreadCount: opts.unread ?? 0 };
          return { notifications: items, nextPageToken: opts.next ?? '', unreadCount: opts.unread ?? items.filter((n) => !n.read).length };
        },
        markRead: (req) => {
          marked.push(req);
          return { unreadCount: req.all ? 0 : Math.max(0, (opts.unread ?? 1) - req.notificationIds.length) };
        },
        getUnreadCount: () => ({ unreadCount: opts.unread ?? 0 }),
      }),
    );
    return { marked, listed };
  }

  it('lists unread first, marked, with 待办 for must-act items and the time with the weekday', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2026, 11, 8, 15, 0));
    signInAs(Role.RESIDENT);
    const { listed } = server([
      note('a', { category: NoticeCategory.MUST_ACT, title: '社区需要您补充信息', createdAt: ts(new Date(2026, 11, 8, 14, 50)) }),
      note('b', { read: true, title: '订单已派往部门', createdAt: ts(new Date(2026, 11, 3, 9, 30)) }),
    ]);
    const { wrapper } = await mountAt(InboxView, '/inbox');
    expect(listed).toEqual([{ pageToken: '', language: 'zh-CN' }]);
    const a = wrapper.get('[data-testid=inbox-item-a]');
    const b = wrapper.get('[data-testid=inbox-item-b]');
    expect(a.attributes('data-read')).toBe('false');
    expect(a.classes()).toContain('notice--unread');
    expect(a.find('.notice__dot').exists()).toBe(true);
    expect(a.text()).toContain('未读');
    expect(wrapper.get('[data-testid=inbox-item-mustact-a]').text()).toBe('待办');
    expect(a.text()).toContain('社区需要您补充信息');
    expect(a.get('time').text()).toBe('10 分钟前');
    expect(b.attributes('data-read')).toBe('true');
    expect(b.find('.notice__dot').exists()).toBe(false);
    expect(b.find('[data-testid=inbox-item-mustact-b]').exists()).toBe(false);
    expect(b.get('time').text()).toBe('12月3日 周四 09:30');
    expect(inbox.unread).toBe(1);
    expect(wrapper.find('[data-testid=inbox-empty]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('tapping an item marks it read and opens its order on the role\'s order screen', async () => {
    signInAs(Role.RESIDENT);
    const { marked } = server([note('a', { orderId: '01JORDER' })], { unread: 1 });
    const { wrapper, router } = await mountAt(InboxView, '/inbox');
    const a = wrapper.get('[data-testid=inbox-item-a]');
    expect(a.attributes('href')).toBe('/r/orders/01JORDER');
    await a.trigger('click');
    await flushPromises();
    expect(marked).toHaveLength(1);
    expect(marked[0].notificationIds).toEqual(['a']);
    expect(marked[0].all).toBe(false);
    expect(inbox.unread).toBe(0);
    expect(router.currentRoute.value.fullPath).toBe('/r/orders/01JORDER');
    wrapper.unmount();
  });

  it('a community worker opens the worker\'s order screen; a read item is not marked again', async () => {
    signInAs(Role.COMMUNITY_WORKER, ['rencheng-guhuai-zhuyuan']);
    const { marked } = server([note('a', { orderId: 'O2', read: true })], { unread: 0 });
    const { wrapper, router } = await mountAt(InboxView, '/inbox');
    await wrapper.get('[data-testid=inbox-item-a]').trigger('click');
    await flushPromises();
    expect(marked).toHaveLength(0);
    expect(router.currentRoute.value.fullPath).toBe('/w/orders/O2');
    wrapper.unmount();
  });

  it('全部已读 marks every one read', async () => {
    signInAs(Role.RESIDENT);
    const { marked } = server([note('a'), note('b')], { unread: 2 });
    const { wrapper } = await mountAt(InboxView, '/inbox');
    expect(inbox.unread).toBe(2);
    await wrapper.get('[data-testid=inbox-mark-all]').trigger('click');
    await flushPromises();
    expect(marked).toEqual([expect.objectContaining({ all: true, notificationIds: [] })]);
    expect(wrapper.get('[data-testid=inbox-item-a]').attributes('data-read')).toBe('true');
    expect(wrapper.get('[data-testid=inbox-item-b]').attributes('data-read')).toBe('true');
    expect(inbox.unread).toBe(0);
    expect(wrapper.get('[data-testid=inbox-mark-all]').attributes('disabled')).toBeDefined();
    wrapper.unmount();
  });

  it('says so in plain words when there is nothing', async () => {
    signInAs(Role.RESIDENT);
    server([]);
    const { wrapper } = await mountAt(InboxView, '/inbox');
    expect(wrapper.get('[data-testid=inbox-empty]').text()).toContain('还没有消息');
    expect(wrapper.find('[data-testid=inbox-more]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('加载更多 reads the next page and adds it below', async () => {
    signInAs(Role.RESIDENT);
    const { listed } = server([note('a')], { next: 'p2', more: [note('b', { read: true })], unread: 1 });
    const { wrapper } = await mountAt(InboxView, '/inbox');
    await wrapper.get('[data-testid=inbox-more]').trigger('click');
    await flushPromises();
    expect(listed.map((l) => l.pageToken)).toEqual(['', 'p2']);
    expect(wrapper.findAll('[data-testid^=inbox-item-]').filter((w) => /^inbox-item-[ab]$/.test(w.attributes('data-testid') ?? '')).length).toBe(2);
    expect(wrapper.find('[data-testid=inbox-more]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('in English the server is asked for English texts', async () => {
    signInAs(Role.RESIDENT);
    const { listed } = server([]);
    const { wrapper } = await mountAt(InboxView, '/inbox', { locale: 'en' });
    expect(listed[0].language).toBe('en');
    expect(wrapper.get('[data-testid=inbox-empty]').text()).toContain('No messages yet');
    wrapper.unmount();
  });
});

describe('alert settings', () => {
  it('shows what was chosen and saves with a request id and the version read', async () => {
    signInAs(Role.RESIDENT);
    const saved: UpdatePreferencesRequest[] = [];
    useFakeServer((r) =>
      r.service(NotificationService, {
        getPreferences: () => ({
          categories: [{ category: NoticeCategory.STATUS, sms: false }, { category: NoticeCategory.DIGEST, sms: true }],
          quietStart: '22:00',
          quietEnd: '07:00',
          version: 3n,
        }),
        updatePreferences: (req) => {
          saved.push(req);
          const prefs = req.preferences!;
          return { ...prefs, version: 4n };
        },
      }),
    );
    const { wrapper } = await mountAt(NotificationPrefsView, '/inbox/settings');
    expect(wrapper.get('[data-testid=prefs]').attributes('data-version')).toBe('3');
    expect(wrapper.get('[data-testid=prefs-sms-status]').attributes('aria-checked')).toBe('false');
    // Never chosen: the system default, said so.
    expect(wrapper.get('[data-testid=prefs-sms-mustAct-cell]').text()).toContain('按系统默认');
    expect((wrapper.get('[data-testid=prefs-quiet-start]').element as HTMLSelectElement).value).toBe('22:00');
    await wrapper.get('[data-testid=prefs-sms-mustAct]').trigger('click');
    await wrapper.get('[data-testid=prefs-quiet-end]').setValue('22:00');
    expect(wrapper.get('[data-testid=prefs-quiet-error]').text()).toContain('不能是同一时间');
    expect(wrapper.get('[data-testid=prefs-save]').attributes('disabled')).toBeDefined();
    await wrapper.get('[data-testid=prefs-quiet-end]').setValue('06:30');
    await wrapper.get('[data-testid=prefs-mustact-quiet]').trigger('click');
    await wrapper.get('[data-testid=prefs-save]').trigger('click');
    await flushPromises();
    expect(saved).toHaveLength(1);
    const req = saved[0];
    expect(req.requestId).toMatch(REQUEST_ID_PATTERN);
    expect(req.expectedVersion).toBe(3n);
    expect(req.preferences?.categories.map((c) => [NoticeCategory[c.category], c.sms])).toEqual([
      ['MUST_ACT', false],
      ['STATUS', false],
      ['DIGEST', true],
    ]);
    expect(req.preferences?.quietStart).toBe('22:00');
    expect(req.preferences?.quietEnd).toBe('06:30');
    expect(req.preferences?.mustActInQuietHours).toBe(true);
    expect(wrapper.get('[data-testid=prefs]').attributes('data-version')).toBe('4');
    wrapper.unmount();
  });

  it('no quiet hours are sent as equal times; changed elsewhere: the new version, the choices kept', async () => {
    signInAs(Role.RESIDENT);
    const saved: UpdatePreferencesRequest[] = [];
    let version = 0n;
    useFakeServer((r) =>
      r.service(NotificationService, {
        getPreferences: () => ({ version }),
        updatePreferences: (req) => {
          saved.push(req);
          version = 1n;
          throw new ConnectError('preferences are at version 1, not 0', Code.Aborted);
        },
      }),
    );
    const { wrapper } = await mountAt(NotificationPrefsView, '/inbox/settings');
    expect((wrapper.get('[data-testid=prefs-quiet-start]').element as HTMLSelectElement).value).toBe('21:00');
    await wrapper.get('[data-testid=prefs-quiet]').trigger('click');
    expect(wrapper.find('[data-testid=prefs-quiet-start]').exists()).toBe(false);
    await wrapper.get('[data-testid=prefs-save]').trigger('click');
    await flushPromises();
    expect(saved[0].preferences?.quietStart).toBe('00:00');
    expect(saved[0].preferences?.quietEnd).toBe('00:00');
    expect(saved[0].preferences?.categories).toEqual([]);
    expect(saved[0].expectedVersion).toBe(0n);
    expect(wrapper.get('[data-testid=prefs-changed]').text()).toContain('刚在别处改过');
    expect(wrapper.get('[data-testid=prefs]').attributes('data-version')).toBe('1');
    // The choice made here is kept; the next save names the new version.
    expect(wrapper.find('[data-testid=prefs-quiet-start]').exists()).toBe(false);
    await wrapper.get('[data-testid=prefs-save]').trigger('click');
    await flushPromises();
    expect(saved[1].expectedVersion).toBe(1n);
    expect(saved[1].preferences?.quietStart).toBe('00:00');
    wrapper.unmount();
  });
});
