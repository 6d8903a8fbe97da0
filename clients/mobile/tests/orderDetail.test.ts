import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it, vi } from 'vitest';
import { ClaimService } from '@/gen/kepu/v1/claims_pb';
import { Role } from '@/gen/kepu/v1/common_pb';
import { DirectoryService } from '@/gen/kepu/v1/directory_pb';
import { DispatchService } from '@/gen/kepu/v1/dispatch_pb';
import { FulfilmentService } from '@/gen/kepu/v1/fulfilment_pb';
import { MatchingService } from '@/gen/kepu/v1/matching_pb';
import { OrderAction, OrderSchema, OrderState, Stage, type Order } from '@/gen/kepu/v1/order_pb';
import { OrderService } from '@/gen/kepu/v1/orders_pb';
import OrderDetailView from '@/views/OrderDetailView.vue';
import { flushPromises, mountAt, signInAs, ts, useFakeServer } from './helpers';

function order(state: OrderState, extra: MessageInitShape<typeof OrderSchema> = {}): Order {
  return create(OrderSchema, {
    id: 'o-1',
    state,
    version: 5n,
    draft: { serviceLineId: 'elderly-smart-help', communityId: 'rencheng-guhuai-zhuyuan', address: '竹竿巷社区党群服务中心', expectedAttendees: 30, contact: { name: '潘文', phone: '139****0001' } },
    ...extra,
  } as MessageInitShape<typeof OrderSchema>);
}

const directory = {
  listPrograms: () => ({}),
  listServiceLines: () => ({}),
  listDepartments: () => ({ departments: [{ id: 'minzheng', name: '市民政局' }, { id: 'kexie', name: '市科协' }] }),
  getRegion: () => ({ id: 'rencheng-guhuai-zhuyuan', name: '竹园社区' }),
  getTeam: (req: { id: string }) => ({ id: req.id, name: req.id === 'rencheng-smart-elderly' ? '任城区智慧助老志愿服务队' : req.id }),
  listVolunteers: () => ({ volunteers: [{ id: 'v1', name: '韩磊', active: true }, { id: 'v2', name: '周桂兰', active: true }] }),
};

describe('OrderDetailView', () => {
  it('shows the state, the countdown to the next deadline and the timeline of who did what', async () => {
    signInAs(Role.RESIDENT);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    useFakeServer((r) => {
      r.service(DirectoryService, directory);
      r.service(OrderService, {
        getOrder: () => order(OrderState.SUBMITTED, { nextDeadline: { stage: Stage.AWAITING_DISPATCH, dueAt: ts(new Date('2026-12-02T12:30:00Z')) } }),
        getOrderHistory: () => ({
          events: [{ eventId: '1-0', action: OrderAction.CREATE, toState: OrderState.SUBMITTED, actor: { displayName: '潘文', role: Role.RESIDENT } }],
        }),
      });
    });
    const { wrapper } = await mountAt(OrderDetailView, '/r/orders/o-1');
    expect(wrapper.get('[data-testid=order-state]').attributes('data-state')).toBe('SUBMITTED');
    expect(wrapper.get('[data-testid=order-state]').text()).toBe('待审核');
    expect(wrapper.get('[data-testid=order-countdown]').text()).toBe('剩余 1天2小时');
    expect(wrapper.get('[data-testid=timeline-item-0]').attributes('data-action')).toBe('CREATE');
    expect(wrapper.get('[data-testid=timeline-item-0]').text()).toContain('潘文（群众）');
    expect(wrapper.find('[data-testid=action-cancel]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=rate-submit]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('a resident rates a completed order', async () => {
    signInAs(Role.RESIDENT);
    const rated: unknown[] = [];
    useFakeServer((r) => {
      r.service(DirectoryService, directory);
      r.service(OrderService, {
        getOrder: () => order(OrderState.COMPLETED),
        getOrderHistory: () => ({}),
        rateOrder(req) {
          rated.push(req);
          return order(OrderState.RATED, { version: 6n, rating: req.rating });
        },
      });
    });
    const { wrapper } = await mountAt(OrderDetailView, '/r/orders/o-1');
    await wrapper.get('[data-testid=rate-submit]').trigger('click');
    await flushPromises();
    expect(rated).toHaveLength(0);
    expect(wrapper.find('[data-testid=rate-error]').exists()).toBe(true);
    await wrapper.get('[data-testid=rate-overall-5]').trigger('click');
    await wrapper.get('[data-testid=rate-punctuality-4]').trigger('click');
    await wrapper.get('[data-testid=rate-comment]').setValue('讲得很实用');
    await wrapper.get('[data-testid=rate-submit]').trigger('click');
    await flushPromises();
    expect(rated).toHaveLength(1);
    expect(rated[0]).toMatchObject({ orderId: 'o-1', expectedVersion: 5n, rating: { overall: 5, punctuality: 4, content: 5, attitude: 5, comment: '讲得很实用' } });
    expect(wrapper.get('[data-testid=order-state]').attributes('data-state')).toBe('RATED');
    wrapper.unmount();
  });

  it('a community worker dispatches to a suggested department', async () => {
    signInAs(Role.COMMUNITY_WORKER, ['rencheng-guhuai-zhuyuan']);
    const dispatched: unknown[] = [];
    useFakeServer((r) => {
      r.service(DirectoryService, directory);
      r.service(OrderService, { getOrder: () => order(OrderState.SUBMITTED), getOrderHistory: () => ({}) });
      r.service(DispatchService, {
        suggestDepartments: () => ({
          departments: [
            { department: { id: 'minzheng', name: '市民政局' }, suggested: true },
            { department: { id: 'kexie', name: '市科协' }, suggested: false },
          ],
        }),
        dispatchOrder(req) {
          dispatched.push(req);
          return order(OrderState.DISPATCHED, { version: 6n, departmentId: req.departmentId });
        },
      });
    });
    const { wrapper } = await mountAt(OrderDetailView, '/w/orders/o-1');
    await wrapper.get('[data-testid=action-dispatch]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid=dispatch-dept-minzheng]').attributes('data-suggested')).toBe('true');
    // Not suggested: a reason is needed before it can be sent.
    await wrapper.get('[data-testid=dispatch-dept-kexie]').trigger('click');
    expect(wrapper.find('[data-testid=dispatch-reason]').exists()).toBe(true);
    expect(wrapper.get('[data-testid=dispatch-submit]').attributes('disabled')).toBeDefined();
    await wrapper.get('[data-testid=dispatch-dept-minzheng]').trigger('click');
    await wrapper.get('[data-testid=dispatch-submit]').trigger('click');
    await flushPromises();
    expect(dispatched).toEqual([expect.objectContaining({ orderId: 'o-1', expectedVersion: 5n, departmentId: 'minzheng', reason: '' })]);
    expect(wrapper.get('[data-testid=order-state]').attributes('data-state')).toBe('DISPATCHED');
    wrapper.unmount();
  });

  it('a team leader sees why the team was chosen and accepts', async () => {
    signInAs(Role.TEAM_LEADER, ['rencheng-smart-elderly']);
    const offer = {
      teamId: 'rencheng-smart-elderly',
      expiresAt: ts(new Date(Date.now() + 3 * 3600_000)),
      explanation: { totalCost: 5.52, terms: { distance: 2.3, load: 2, rating: 1.22 }, distanceKm: 2.3, candidates: 2, runnersUp: ['rencheng-health'] },
    };
    const accepted: unknown[] = [];
    useFakeServer((r) => {
      r.service(DirectoryService, directory);
      r.service(OrderService, { getOrder: () => order(OrderState.OFFERED, { offer, teamId: 'rencheng-smart-elderly' }), getOrderHistory: () => ({}) });
      r.service(MatchingService, { explainOffer: () => ({ orderId: 'o-1', offer }) });
      r.service(FulfilmentService, {
        acceptOffer(req) {
          accepted.push(req);
          return order(OrderState.ACCEPTED, { version: 6n, teamId: 'rencheng-smart-elderly' });
        },
      });
      r.service(ClaimService, {});
    });
    const { wrapper } = await mountAt(OrderDetailView, '/l/orders/o-1', { locale: 'en' });
    const why = wrapper.get('[data-testid=offer-explain]');
    expect(why.text()).toContain('Cost 5.52');
    expect(why.text()).toContain('2.3 km away');
    expect(wrapper.get('[data-testid=offer-term-distance]').text()).toContain('2.30');
    expect(wrapper.get('[data-testid=offer-countdown]').text()).toMatch(/^[23]h \d\dm left$/);
    await wrapper.get('[data-testid=action-accept]').trigger('click');
    await flushPromises();
    expect(accepted).toEqual([expect.objectContaining({ orderId: 'o-1', expectedVersion: 5n })]);
    expect(wrapper.get('[data-testid=order-state]').attributes('data-state')).toBe('ACCEPTED');
    // No time agreed yet: the next step is to confirm it, not to check in.
    expect(wrapper.find('[data-testid=action-schedule]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=action-checkin]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('when the order moved on (ABORTED), it is read again and the person is told', async () => {
    signInAs(Role.DEPARTMENT_STAFF, ['minzheng']);
    let reads = 0;
    useFakeServer((r) => {
      r.service(DirectoryService, directory);
      r.service(OrderService, {
        getOrder: () => {
          reads++;
          return reads === 1 ? order(OrderState.DISPATCHED) : order(OrderState.CLAIMED, { version: 6n });
        },
        getOrderHistory: () => ({}),
      });
      r.service(ClaimService, {
        claimOrder() {
          throw new ConnectError('order moved on', Code.Aborted);
        },
        listEligibleTeams: () => ({ teams: [{ team: { id: 'rencheng-smart-elderly', name: '任城区智慧助老志愿服务队' }, distanceKm: 2.3, freeCapacity: 3 }] }),
      });
    });
    const { wrapper } = await mountAt(OrderDetailView, '/d/orders/o-1');
    await wrapper.get('[data-testid=action-claim]').trigger('click');
    await flushPromises();
    expect(reads).toBe(2);
    expect(wrapper.get('[data-testid=order-notice]').text()).toContain('订单刚刚有了变化');
    expect(wrapper.get('[data-testid=order-state]').attributes('data-state')).toBe('CLAIMED');
    expect(wrapper.get('[data-testid=assign-team-rencheng-smart-elderly]').text()).toContain('2.3 公里');
    wrapper.unmount();
  });

  it('a team leader completes with attendance and hours per volunteer', async () => {
    signInAs(Role.TEAM_LEADER, ['rencheng-smart-elderly']);
    const done: unknown[] = [];
    useFakeServer((r) => {
      r.service(DirectoryService, directory);
      r.service(OrderService, { getOrder: () => order(OrderState.IN_SERVICE, { teamId: 'rencheng-smart-elderly' }), getOrderHistory: () => ({}) });
      r.service(FulfilmentService, {
        completeService(req) {
          done.push(req);
          return order(OrderState.COMPLETED, { version: 6n });
        },
      });
    });
    const { wrapper } = await mountAt(OrderDetailView, '/l/orders/o-1');
    await flushPromises();
    expect((wrapper.get('[data-testid=complete-attendees]').element as HTMLInputElement).value).toBe('30');
    await wrapper.get('[data-testid=complete-attendees]').setValue('28');
    await wrapper.get('[data-testid=complete-summary]').setValue('讲解常见诈骗手法');
    await wrapper.get('[data-testid=complete-hours-v1]').setValue('2.5');
    await wrapper.get('[data-testid=complete-submit]').trigger('click');
    await flushPromises();
    expect(done).toEqual([
      expect.objectContaining({ actualAttendees: 28, summary: '讲解常见诈骗手法', hours: [expect.objectContaining({ volunteerId: 'v1', hours: 2.5 })] }),
    ]);
    wrapper.unmount();
  });
});
