import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { showToast } from 'vant';
import { Audience, Role } from '@/gen/kepu/v1/common_pb';
import { DirectoryService, ProgramSchema, ServiceLineSchema } from '@/gen/kepu/v1/directory_pb';
import { OrderSchema } from '@/gen/kepu/v1/order_pb';
import { OrderService, type CreateOrderRequest } from '@/gen/kepu/v1/orders_pb';
import { outbox } from '@/stores/outbox';
import { settings } from '@/stores/settings';
import OrderFormView from '@/views/OrderFormView.vue';
import { flushPromises, mountAt, signInAs, useFakeServer } from './helpers';

// The toasts the form shows (「已恢复上次没提交完的内容」…) are observed, not rendered.
vi.mock('vant', async (importOriginal) => ({ ...(await importOriginal<typeof import('vant')>()), showToast: vi.fn() }));
const DRAFT_KEY = 'kepu.form.order.own.user-1';
const RESTORED = '已恢复上次没提交完的内容';
const toasts = () => vi.mocked(showToast).mock.calls.map((c) => c[0]);

const now = new Date(2026, 11, 1, 10, 0);

function server(createOrder: (req: CreateOrderRequest) => unknown) {
  useFakeServer((r) => {
    r.service(DirectoryService, {
      listPrograms: () => ({ programs: [create(ProgramSchema, { id: 'elderly', name: '老年人科学素质提升行动', audience: Audience.ELDERLY, active: true })] }),
      listServiceLines: () => ({
        serviceLines: [
          create(ServiceLineSchema, { id: 'elderly-smart-help', programId: 'elderly', name: '智慧助老', orderable: true, active: true, exampleServices: ['智能手机使用教学', '防范电信诈骗'] }),
        ],
      }),
    });
    r.service(OrderService, { createOrder: createOrder as never });
  });
}

async function fill(wrapper: Awaited<ReturnType<typeof mountAt>>['wrapper']) {
  // The community comes from the cascade picker; here it is what the resident picked last time.
  await wrapper.get('[data-testid=order-example-1]').trigger('click');
  await wrapper.get('[data-testid=order-address]').setValue('竹竿巷社区党群服务中心');
  await wrapper.get('[data-testid=order-attendees]').setValue('30');
  await wrapper.get('[data-testid=order-description]').setValue('老年人防范电信诈骗讲座');
}

function setOnline(v: boolean) {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => v });
}

describe('OrderFormView', () => {
  beforeEach(() => {
    vi.mocked(showToast).mockClear();
  });
  afterEach(() => {
    setOnline(true);
    settings.elderly = false;
  });

  it('prefills from the link and the account, validates, and submits the order', async () => {
    signInAs(Role.RESIDENT);
    localStorage.setItem('kepu.lastCommunity', JSON.stringify({ id: 'rencheng-guhuai-zhuyuan', label: '任城区 / 古槐街道 / 竹园社区' }));
    const got: CreateOrderRequest[] = [];
    server((req) => {
      got.push(req);
      return create(OrderSchema, { id: 'o-1', version: 1n });
    });
    const { wrapper, router } = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => now } });
    expect((wrapper.get('[data-testid=order-line]').element as HTMLInputElement).value).toBe('智慧助老');
    expect(wrapper.get('[data-testid=order-audience-elderly]').attributes('aria-checked')).toBe('true');
    expect((wrapper.get('[data-testid=order-contact-name]').element as HTMLInputElement).value).toBe('潘文');
    expect((wrapper.get('[data-testid=order-window-0-date]').element as HTMLInputElement).value).toBe('2026-12-08');

    // Nothing is sent while a required field is empty.
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(got).toHaveLength(0);
    expect(wrapper.get('[data-testid=order-address-field]').text()).toContain('必填');

    await fill(wrapper);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(got).toHaveLength(1);
    const d = got[0].draft!;
    expect(d).toMatchObject({
      serviceLineId: 'elderly-smart-help',
      serviceName: '防范电信诈骗',
      communityId: 'rencheng-guhuai-zhuyuan',
      address: '竹竿巷社区党群服务中心',
      audience: Audience.ELDERLY,
      expectedAttendees: 30,
      contact: { name: '潘文', phone: '13900000001' },
    });
    expect(timestampDate(d.preferredWindows[0].start!)).toEqual(new Date(2026, 11, 8, 9, 0));
    expect(router.currentRoute.value.path).toBe('/r/orders/o-1');
    // The written form is forgotten once the order is in.
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull();
    wrapper.unmount();
  });

  it('a network failure keeps the order in the outbox with the request id it was sent with', async () => {
    signInAs(Role.RESIDENT);
    localStorage.setItem('kepu.lastCommunity', JSON.stringify({ id: 'rencheng-guhuai-zhuyuan', label: '竹园社区' }));
    const ids: string[] = [];
    server((req) => {
      ids.push(req.requestId);
      throw new ConnectError('[unknown] Failed to fetch', Code.Unknown, undefined, undefined, new TypeError('Failed to fetch'));
    });
    const { wrapper } = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => now } });
    await fill(wrapper);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(ids).toHaveLength(1);
    const queued = outbox.items();
    expect(queued).toHaveLength(1);
    expect(queued[0].requestId).toBe(ids[0]);
    expect(queued[0].userId).toBe('user-1');
    expect(wrapper.find('[data-testid=order-saved-offline]').exists()).toBe(true);
    outbox.remove(ids[0]);
    wrapper.unmount();
  });

  it('offline, the order goes straight to the outbox without a call', async () => {
    signInAs(Role.RESIDENT);
    localStorage.setItem('kepu.lastCommunity', JSON.stringify({ id: 'rencheng-guhuai-zhuyuan', label: '竹园社区' }));
    let calls = 0;
    server(() => {
      calls++;
      return {};
    });
    const { wrapper } = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => now } });
    await fill(wrapper);
    setOnline(false);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls).toBe(0);
    expect(outbox.items()).toHaveLength(1);
    expect(outbox.items()[0].payload).toMatchObject({ draft: { address: '竹竿巷社区党群服务中心', expectedAttendees: 30 } });
    outbox.remove(outbox.items()[0].requestId);
    wrapper.unmount();
  });

  it('a field the server refuses is marked on the form; the retry reuses the request id', async () => {
    signInAs(Role.RESIDENT);
    localStorage.setItem('kepu.lastCommunity', JSON.stringify({ id: 'rencheng-guhuai-zhuyuan', label: '竹园社区' }));
    const ids: string[] = [];
    server((req) => {
      ids.push(req.requestId);
      if (ids.length === 1) throw new ConnectError('draft.address: must be 1 to 200 characters (has 0)', Code.InvalidArgument);
      return create(OrderSchema, { id: 'o-2' });
    });
    const { wrapper, router } = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => now } });
    await fill(wrapper);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid=order-address-field]').text()).toContain('must be 1 to 200 characters');
    expect(wrapper.get('[data-testid=order-error]').attributes('data-field')).toBe('draft.address');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    expect(router.currentRoute.value.path).toBe('/r/orders/o-2');
    wrapper.unmount();
  });

  it('a sent order leaves no draft: the next form starts fresh, without “draft restored”', async () => {
    signInAs(Role.RESIDENT);
    localStorage.setItem('kepu.lastCommunity', JSON.stringify({ id: 'rencheng-guhuai-zhuyuan', label: '竹园社区' }));
    server(() => create(OrderSchema, { id: 'o-1', version: 1n }));
    const first = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => now } });
    await fill(first.wrapper);
    await first.wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(first.router.currentRoute.value.path).toBe('/r/orders/o-1');
    // The reset form after the send is not saved again (clearing wins over the form's watcher).
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull();
    first.wrapper.unmount();

    const later = new Date(2026, 11, 3, 10, 0);
    const { wrapper } = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => later } });
    expect(toasts()).not.toContain(RESTORED);
    expect((wrapper.get('[data-testid=order-address]').element as HTMLInputElement).value).toBe('');
    expect((wrapper.get('[data-testid=order-service-name]').element as HTMLInputElement).value).toBe('');
    // Today's default window, not the one of the earlier form.
    expect((wrapper.get('[data-testid=order-window-0-date]').element as HTMLInputElement).value).toBe('2026-12-10');
    // Opening a form and reading it writes nothing either.
    await flushPromises();
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull();
    wrapper.unmount();
  });

  it('what was typed is kept and restored (saying so), without the windows that have passed', async () => {
    signInAs(Role.RESIDENT);
    server(() => ({}));
    const first = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => now } });
    await first.wrapper.get('[data-testid=order-address]').setValue('竹竿巷社区党群服务中心');
    await first.wrapper.get('[data-testid=order-window-0-date]').setValue('2026-12-02');
    await flushPromises();
    expect(localStorage.getItem(DRAFT_KEY)).toContain('竹竿巷社区党群服务中心');
    first.wrapper.unmount();

    const later = new Date(2026, 11, 5, 10, 0);
    const { wrapper } = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => later } });
    expect(toasts()).toContain(RESTORED);
    expect((wrapper.get('[data-testid=order-address]').element as HTMLInputElement).value).toBe('竹竿巷社区党群服务中心');
    // 12-02 is gone by 12-05: the form proposes a new window instead.
    expect(wrapper.findAll('[data-testid^=order-window-][data-testid$=-date]')).toHaveLength(1);
    expect((wrapper.get('[data-testid=order-window-0-date]').element as HTMLInputElement).value).toBe('2026-12-12');
    wrapper.unmount();
  });

  it('a form typed into and cleared again is no draft', async () => {
    signInAs(Role.RESIDENT);
    server(() => ({}));
    const { wrapper } = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => now } });
    await wrapper.get('[data-testid=order-address]').setValue('竹竿巷');
    await flushPromises();
    expect(localStorage.getItem(DRAFT_KEY)).toContain('竹竿巷');
    await wrapper.get('[data-testid=order-address]').setValue('');
    await flushPromises();
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull();
    wrapper.unmount();
  });

  it('a saved reset form of an earlier version (nothing typed, an old date) is not restored', async () => {
    signInAs(Role.RESIDENT);
    server(() => ({}));
    localStorage.setItem(DRAFT_KEY, JSON.stringify({
      form: { serviceLineId: '', serviceName: '', communityId: 'rencheng-guhuai-zhuyuan', address: '', audience: 0, attendees: '', windows: [{ date: '2026-12-04', start: '09:00', end: '11:00' }], description: '', contactName: '潘文', contactPhone: '13900000001', onBehalfName: '', onBehalfPhone: '', assistNote: '' },
      communityLabel: '竹园社区',
    }));
    const { wrapper } = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => now } });
    expect(toasts()).not.toContain(RESTORED);
    expect((wrapper.get('[data-testid=order-window-0-date]').element as HTMLInputElement).value).toBe('2026-12-08');
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull();
    wrapper.unmount();
  });

  it('elderly mode asks one thing per screen', async () => {
    signInAs(Role.RESIDENT);
    settings.elderly = true;
    server(() => ({}));
    const { wrapper } = await mountAt(OrderFormView, '/r/new?line=elderly-smart-help', { props: { now: () => now } });
    expect(wrapper.get('[data-testid=order-form]').attributes('data-step')).toBe('0');
    expect(wrapper.find('[data-testid=order-submit]').exists()).toBe(false);
    expect(wrapper.get('[data-testid=order-address-field]').isVisible()).toBe(false);
    expect(wrapper.get('[data-testid=order-window-0-date]').isVisible()).toBe(false);
    expect(wrapper.get('[data-testid=order-contact-name]').isVisible()).toBe(false);
    expect(wrapper.get('[data-testid=order-line-field]').isVisible()).toBe(true);
    // The chosen line wraps in large text instead of being cut at the edge (a one-row textarea).
    expect(wrapper.get('[data-testid=order-line]').element.tagName).toBe('TEXTAREA');
    expect((wrapper.get('[data-testid=order-line]').element as HTMLTextAreaElement).value).toBe('智慧助老');
    await wrapper.get('[data-testid=order-next]').trigger('click');
    expect(wrapper.get('[data-testid=order-form]').attributes('data-step')).toBe('1');
    // The place is not filled in: the step does not move on.
    await wrapper.get('[data-testid=order-next]').trigger('click');
    expect(wrapper.get('[data-testid=order-form]').attributes('data-step')).toBe('1');
    expect(wrapper.get('[data-testid=order-address-field]').text()).toContain('必填');
    wrapper.unmount();
  });
});
