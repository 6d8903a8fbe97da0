// The live status of a screen's event stream, and the words the order screen shows for it:
// 正在连接… on the first connection, 正在重新连接… only after the stream was live and dropped.
import { describe, expect, it, vi } from 'vitest';
import { Role } from '@/gen/kepu/v1/common_pb';
import { DirectoryService } from '@/gen/kepu/v1/directory_pb';
import { OrderState } from '@/gen/kepu/v1/order_pb';
import { OrderService } from '@/gen/kepu/v1/orders_pb';
import { liveStatusKey } from '@/lib/labels';
import { watchStream, type EventSourceLike, type StreamStatus } from '@/lib/sse';
import OrderDetailView from '@/views/OrderDetailView.vue';
import { flushPromises, mountAt, signInAs, useFakeServer } from './helpers';

class FakeEventSource implements EventSourceLike {
  static all: FakeEventSource[] = [];
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  private listeners: Array<(ev: MessageEvent) => void> = [];
  constructor(public url: string) {
    FakeEventSource.all.push(this);
  }
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
  /** A dropped connection the browser retries (readyState CONNECTING), or gives up on (CLOSED). */
  drop(givesUp = false) {
    this.readyState = givesUp ? 2 : 0;
    for (const l of this.listeners) l(new Event('error') as MessageEvent);
  }
}

describe('watchStream status', () => {
  it('connecting until the first open, live, then reconnecting after a drop', () => {
    const seen: StreamStatus[] = [];
    let es!: FakeEventSource;
    watchStream('kepu.v1.OrderService/WatchOrder', { order_id: 'o-1' }, 'tok', { onEvent: () => {}, onStatus: (s) => seen.push(s) }, (url) => (es = new FakeEventSource(url)));
    expect(seen).toEqual(['connecting']);
    es.drop(); // the first connection failed; the browser tries again: still the first connection
    expect(seen).toEqual(['connecting', 'connecting']);
    es.open();
    es.drop();
    expect(seen).toEqual(['connecting', 'connecting', 'live', 'reconnecting']);
    es.open();
    es.drop(true);
    expect(seen.slice(-2)).toEqual(['live', 'closed']);
  });

  it('each status has its own words', () => {
    expect(liveStatusKey('connecting')).toBe('app.connecting');
    expect(liveStatusKey('live')).toBe('app.live');
    expect(liveStatusKey('reconnecting')).toBe('app.reconnecting');
    expect(liveStatusKey('closed')).toBe('app.notLive');
  });
});

describe('the order screen’s live status', () => {
  async function mountDetail(locale: 'zh-CN' | 'en' = 'zh-CN') {
    FakeEventSource.all = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    signInAs(Role.RESIDENT);
    useFakeServer((r) => {
      r.service(DirectoryService, { listPrograms: () => ({}), listServiceLines: () => ({}), getRegion: () => ({ id: 'c', name: '竹园社区' }) });
      r.service(OrderService, { getOrder: () => ({ id: 'o-1', state: OrderState.SUBMITTED, version: 1n }), getOrderHistory: () => ({}) });
    });
    return mountAt(OrderDetailView, '/r/orders/o-1', { locale });
  }
  const live = (w: Awaited<ReturnType<typeof mountDetail>>['wrapper']) => w.get('[data-testid=order-live]');

  it('says 正在连接 on the first connection, 实时 once open, 正在重新连接 only after a drop', async () => {
    const { wrapper } = await mountDetail();
    expect(FakeEventSource.all).toHaveLength(1);
    const es = FakeEventSource.all[0];
    expect(live(wrapper).attributes('data-status')).toBe('connecting');
    expect(live(wrapper).text()).toBe('● 正在连接…');
    es.drop();
    await flushPromises();
    expect(live(wrapper).text()).toBe('● 正在连接…');
    es.open();
    await flushPromises();
    expect(live(wrapper).attributes('data-status')).toBe('live');
    expect(live(wrapper).text()).toBe('● 实时');
    es.drop();
    await flushPromises();
    expect(live(wrapper).attributes('data-status')).toBe('reconnecting');
    expect(live(wrapper).text()).toBe('● 正在重新连接…');
    wrapper.unmount();
  });

  it('a new connection after the browser gave up on a live stream is a reconnection', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { wrapper } = await mountDetail('en');
    expect(live(wrapper).text()).toBe('● Connecting…');
    FakeEventSource.all[0].open();
    FakeEventSource.all[0].drop(true);
    await flushPromises();
    expect(live(wrapper).text()).toBe('● Not connected');
    vi.advanceTimersByTime(15000); // the screen tries again
    await flushPromises();
    expect(FakeEventSource.all).toHaveLength(2);
    expect(live(wrapper).attributes('data-status')).toBe('reconnecting');
    expect(live(wrapper).text()).toBe('● Reconnecting…');
    FakeEventSource.all[1].open();
    await flushPromises();
    expect(live(wrapper).text()).toBe('● Live');
    wrapper.unmount();
  });
});
