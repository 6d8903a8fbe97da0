// One order through every role, as the README walkthrough does with kepuctl, but through the HTTP
// gateway: resident → community worker → department → team leader → resident rates; each person
// sees what they would check on their own screen.
import { expect, test } from "vitest";
import { OrderAction, OrderState } from "../gen/kepu/v1/order_pb.js";
import { DirectoryService } from "../gen/kepu/v1/directory_pb.js";
import { FulfilmentService } from "../gen/kepu/v1/fulfilment_pb.js";
import { client } from "../harness/connect.js";
import { COMMUNITY, DEPARTMENT, LINE, TEAM } from "../harness/drafts.js";
import { useWorld } from "../harness/fixture.js";
import { moves, people, place } from "../harness/people.js";

const fx = useWorld();

test("an order goes resident → worker → department → team → rated, through the gateway", async () => {
  const p = await people(fx);

  // 点单 — the resident sees the catalog's line and orders it.
  const line = await client(fx.world, DirectoryService, { token: p.tokens.resident })
    .getServiceLine({ id: LINE });
  expect(line.orderable).toBe(true);
  let order = await place(p, {}, /*soon=*/ true);
  expect(order.state).toBe(OrderState.SUBMITTED);
  expect(order.version).toBe(1n);
  expect(order.id).toMatch(/^[0-9A-Z]{26}$/);
  const mine = await p.resident.listMyOrders({});
  expect(mine.orders.map((o) => o.id)).toEqual([order.id]);

  // 派单 — the worker finds it in the community's queue, with minzheng among the suggestions.
  const queue = await p.worker.listQueue({ communityId: COMMUNITY });
  expect(queue.orders.map((o) => o.id)).toContain(order.id);
  const suggestions = await p.worker.suggestDepartments({ orderId: order.id });
  expect(suggestions.departments.filter((d) => d.suggested).map((d) => d.department?.id)).toContain(
    DEPARTMENT,
  );
  order = await moves.dispatch(p, order);
  expect(order.state).toBe(OrderState.DISPATCHED);
  expect(order.departmentId).toBe(DEPARTMENT);

  // 领单 — the department sees it in its pool, claims it, and assigns the eligible team.
  const pool = await p.clerk.listPool({ departmentId: DEPARTMENT });
  expect(pool.orders.map((o) => o.id)).toContain(order.id);
  order = await moves.claim(p, order);
  expect(order.state).toBe(OrderState.CLAIMED);
  const teams = await p.clerk.listEligibleTeams({ orderId: order.id });
  expect(teams.teams.map((t) => t.team?.id)).toContain(TEAM);
  order = await moves.assign(p, order);
  expect(order.state).toBe(OrderState.OFFERED);
  expect(order.teamId).toBe(TEAM);
  expect(order.offer?.directAssignment).toBe(true);

  // 接单 — the leader sees the offer, accepts, confirms the time, checks in and completes with hours.
  const offers = await p.leader.listOffers({ teamId: TEAM });
  expect(offers.orders.map((o) => o.id)).toContain(order.id);
  order = await moves.accept(p, order);
  expect(order.state).toBe(OrderState.ACCEPTED);
  order = await moves.schedule(p, order);
  order = await moves.checkIn(p, order);
  expect(order.state).toBe(OrderState.IN_SERVICE);
  order = await moves.complete(p, order);
  expect(order.state).toBe(OrderState.COMPLETED);
  expect(order.completion?.actualAttendees).toBe(28);

  // 评单 — the resident rates it; the history shows every move once, in order.
  order = await moves.rate(p, order);
  expect(order.state).toBe(OrderState.RATED);
  expect(order.rating?.overall).toBe(5);
  const seen = await p.resident.getOrder({ orderId: order.id });
  expect(seen.state).toBe(OrderState.RATED);
  expect(seen.version).toBe(order.version);
  const history = await p.resident.getOrderHistory({ orderId: order.id });
  expect(history.events.map((e) => e.action)).toEqual([
    OrderAction.CREATE,
    OrderAction.DISPATCH,
    OrderAction.CLAIM,
    OrderAction.ASSIGN_TEAM,
    OrderAction.ACCEPT,
    OrderAction.SCHEDULE,
    OrderAction.CHECK_IN,
    OrderAction.COMPLETE,
    OrderAction.RATE,
  ]);
  expect(history.events.at(-1)?.toState).toBe(OrderState.RATED);

  // The rating confirmed the volunteers' hours: the volunteer sees 2.5 approved hours.
  const summary = await client(fx.world, FulfilmentService, { token: p.tokens.volunteer })
    .getMyVolunteerSummary({});
  expect(summary.volunteer?.id).toBe(`${TEAM}-v1`);
  expect(summary.approvedHours).toBe(2.5);
  expect(summary.completedServices).toBe(1);
});
