// The people of the README walkthrough, signed in through the gateway, each with Connect clients
// of the services they use, and the moves of one order through every role.
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { ClaimService } from "../gen/kepu/v1/claims_pb.js";
import { DispatchService } from "../gen/kepu/v1/dispatch_pb.js";
import { FulfilmentService } from "../gen/kepu/v1/fulfilment_pb.js";
import type { Order } from "../gen/kepu/v1/order_pb.js";
import { OrderService } from "../gen/kepu/v1/orders_pb.js";
import { client, requestId } from "./connect.js";
import { COMMUNITY, DEPARTMENT, type DraftOverrides, TEAM, draft, soonWindow, window } from "./drafts.js";
import type { WorldFixture } from "./fixture.js";

export interface People {
  tokens: { resident: string; worker: string; clerk: string; leader: string; volunteer: string };
  resident: Client<typeof OrderService>;
  worker: Client<typeof DispatchService>;
  clerk: Client<typeof ClaimService>;
  leader: Client<typeof FulfilmentService>;
}

export async function people(fx: WorldFixture): Promise<People> {
  const [resident, worker, clerk, leader, volunteer] = await Promise.all([
    fx.token("resident"),
    fx.token("worker", COMMUNITY),
    fx.token("department", DEPARTMENT),
    fx.token("leader", TEAM),
    fx.token("volunteer", TEAM),
  ]);
  const w = fx.world;
  return {
    tokens: { resident, worker, clerk, leader, volunteer },
    resident: client(w, OrderService, { token: resident }),
    worker: client(w, DispatchService, { token: worker }),
    clerk: client(w, ClaimService, { token: clerk }),
    leader: client(w, FulfilmentService, { token: leader }),
  };
}

let orders = 0;
// Each order gets a day of its own, so no two orders of one test run want the team at one time.
export function nextDay(): number {
  orders += 1;
  return 3 + (orders % 150);
}

// With `soon`, the order's window starts in ten minutes (two hours long), so the team can confirm
// it and check in at once: check-in opens an hour before the confirmed time.
export async function place(
  p: People,
  overrides: DraftOverrides = {},
  soon = false,
): Promise<Order> {
  const { start, end } = soon ? soonWindow() : window(nextDay());
  return p.resident.createOrder({
    requestId: requestId("create"),
    draft: draft({
      preferredWindows: [{ start: timestampFromDate(start), end: timestampFromDate(end) }],
      ...overrides,
    }),
  });
}

export const moves = {
  dispatch: (p: People, o: Order) =>
    p.worker.dispatchOrder({
      requestId: requestId("dispatch"),
      orderId: o.id,
      expectedVersion: o.version,
      departmentId: DEPARTMENT,
    }),
  claim: (p: People, o: Order) =>
    p.clerk.claimOrder({ requestId: requestId("claim"), orderId: o.id, expectedVersion: o.version }),
  assign: (p: People, o: Order) =>
    p.clerk.assignTeam({
      requestId: requestId("assign"),
      orderId: o.id,
      expectedVersion: o.version,
      teamId: TEAM,
      offerTtl: durationFromMs(24 * 3_600_000),
    }),
  accept: (p: People, o: Order) =>
    p.leader.acceptOffer({ requestId: requestId("accept"), orderId: o.id, expectedVersion: o.version }),
  // Confirms the order's first preferred window as the service time.
  schedule: (p: People, o: Order) =>
    p.leader.scheduleService({
      requestId: requestId("schedule"),
      orderId: o.id,
      expectedVersion: o.version,
      schedule: o.draft?.preferredWindows[0],
    }),
  // Only from an hour before the confirmed time to its end: place the order `soon`.
  checkIn: (p: People, o: Order) =>
    p.leader.checkIn({ requestId: requestId("checkin"), orderId: o.id, expectedVersion: o.version }),
  complete: (p: People, o: Order) =>
    p.leader.completeService({
      requestId: requestId("complete"),
      orderId: o.id,
      expectedVersion: o.version,
      actualAttendees: 28,
      summary: "讲解常见诈骗手法，现场演练识别诈骗电话",
      // The volunteers did not sign in on their phones: the hours need a reason, and are at most
      // the scheduled two hours plus half an hour.
      hours: [
        { volunteerId: `${TEAM}-v1`, hours: 2.5, reason: "纸质签到表" },
        { volunteerId: `${TEAM}-v2`, hours: 2.5, reason: "纸质签到表" },
      ],
    }),
  rate: (p: People, o: Order) =>
    p.resident.rateOrder({
      requestId: requestId("rate"),
      orderId: o.id,
      expectedVersion: o.version,
      rating: { overall: 5, punctuality: 5, content: 5, attitude: 5, comment: "讲得很实用，谢谢志愿者" },
    }),
};

// Every move after create, in the order of the walkthrough.
export const walkthrough = [
  moves.dispatch,
  moves.claim,
  moves.assign,
  moves.accept,
  moves.schedule,
  moves.checkIn,
  moves.complete,
  moves.rate,
] as const;
