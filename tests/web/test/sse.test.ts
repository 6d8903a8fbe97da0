// GET /sse/kepu.v1.<Service>/<Method>: the server-streaming RPCs as server-sent events, read with
// EventSource's rules (harness/sse.ts): events arrive as the order moves; a dropped connection
// resumed with Last-Event-ID misses nothing and repeats nothing; the token also comes as
// ?access_token= (EventSource cannot set headers); a failed call is an error.
import { fromJsonString } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { type Order, OrderAction, type OrderEvent, OrderEventSchema } from "../gen/kepu/v1/order_pb.js";
import { COMMUNITY, DEPARTMENT, TEAM } from "../harness/drafts.js";
import { useWorld } from "../harness/fixture.js";
import { type People, moves, people, place } from "../harness/people.js";
import { type SseEvent, SseStream } from "../harness/sse.js";

const fx = useWorld();

function sseUrl(method: string, params: Record<string, string>): string {
  return `${fx.world.baseUrl}/sse/kepu.v1.${method}?${new URLSearchParams(params)}`;
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

// The id of the order's first event (its creation): watching after it sees every later move.
async function createdEventId(p: People, order: Order): Promise<string> {
  const history = await p.resident.getOrderHistory({ orderId: order.id });
  expect(history.events[0]?.action).toBe(OrderAction.CREATE);
  return history.events[0].eventId;
}

// The next event of the stream as an OrderEvent (its data must be valid proto3 JSON), checking
// that the SSE id is the event's id.
async function nextOrderEvent(stream: SseStream): Promise<OrderEvent> {
  const event = await stream.next(10_000);
  expect(event, "the stream ended").not.toBeNull();
  const sse = event as SseEvent;
  expect(sse.type, `an error event: ${sse.data}`).toBe("message");
  const parsed = fromJsonString(OrderEventSchema, sse.data);
  expect(sse.lastEventId).toBe(parsed.eventId);
  return parsed;
}

// What a failed watch looks like: either an HTTP error with a Connect error body, or (the
// contract's form for EventSource) a 200 stream whose first event is "error" with the Connect
// error JSON, after which the stream ends.
// A watch the server refuses is a plain HTTP error with Connect's status and
// body, never a 200 stream (EventSource would reconnect to it forever).
async function watchError(stream: SseStream, httpStatus: number): Promise<{ code: string; message: string }> {
  expect(stream.status, `the refusal's HTTP status (body: ${stream.body})`).toBe(httpStatus);
  expect(stream.contentType).toMatch(/^application\/json/);
  return JSON.parse(stream.body) as { code: string; message: string };
}

describe("WatchOrder over SSE", () => {
  test("events arrive as the order moves, each as id + data (OrderEvent JSON)", async () => {
    const p = await people(fx);
    let order = await place(p);
    const stream = await SseStream.open(
      sseUrl("OrderService/WatchOrder", { order_id: order.id, after_event_id: await createdEventId(p, order) }),
      { headers: bearer(p.tokens.resident) },
    );
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      const steps: [typeof moves.dispatch, OrderAction][] = [
        [moves.dispatch, OrderAction.DISPATCH],
        [moves.claim, OrderAction.CLAIM],
        [moves.assign, OrderAction.ASSIGN_TEAM],
        [moves.accept, OrderAction.ACCEPT],
      ];
      for (const [move, action] of steps) {
        order = await move(p, order);
        const event = await nextOrderEvent(stream);
        expect({ action: event.action, order: event.orderId, version: event.version }).toEqual({
          action, order: order.id, version: order.version,
        });
      }
    } finally {
      stream.close();
    }
  });

  test("dropped mid-stream and resumed with Last-Event-ID: nothing missed, nothing repeated", async () => {
    const p = await people(fx);
    let order = await place(p, {}, /*soon=*/ true);
    const url = sseUrl("OrderService/WatchOrder", { order_id: order.id });
    const received: OrderEvent[] = [];

    // First connection: from the creation on, sees dispatch and claim, then the line drops.
    const first = await SseStream.open(
      sseUrl("OrderService/WatchOrder", { order_id: order.id, after_event_id: await createdEventId(p, order) }),
      { headers: bearer(p.tokens.resident) },
    );
    for (const move of [moves.dispatch, moves.claim]) {
      order = await move(p, order);
      received.push(await nextOrderEvent(first));
    }
    const lastSeen = first.lastEventId;
    expect(lastSeen).toBe(received.at(-1)!.eventId);
    first.close();

    // Moves while nobody watches.
    for (const move of [moves.assign, moves.accept, moves.schedule, moves.checkIn]) order = await move(p, order);

    // EventSource reconnects to the same URL with Last-Event-ID.
    const second = await SseStream.open(url, { headers: bearer(p.tokens.resident), lastEventId: lastSeen });
    try {
      expect(second.status).toBe(200);
      for (let i = 0; i < 4; ++i) received.push(await nextOrderEvent(second));
      for (const move of [moves.complete, moves.rate]) {
        order = await move(p, order);
        received.push(await nextOrderEvent(second));
      }
    } finally {
      second.close();
    }

    const history = await p.resident.getOrderHistory({ orderId: order.id });
    const expected = history.events.slice(1); // all but the creation, which came before the watch
    expect(received.map((e) => [e.eventId, e.action])).toEqual(expected.map((e) => [e.eventId, e.action]));
    expect(new Set(received.map((e) => e.eventId)).size).toBe(received.length);
    expect(received.map((e) => e.version)).toEqual(received.map((_, i) => BigInt(i + 2)));
  });

  test("?access_token= works instead of the Authorization header (EventSource cannot set headers)", async () => {
    const p = await people(fx);
    let order = await place(p);
    const stream = await SseStream.open(sseUrl("OrderService/WatchOrder", {
      order_id: order.id, after_event_id: await createdEventId(p, order), access_token: p.tokens.resident,
    }));
    try {
      expect(stream.status).toBe(200);
      order = await moves.dispatch(p, order);
      expect((await nextOrderEvent(stream)).action).toBe(OrderAction.DISPATCH);
    } finally {
      stream.close();
    }
  });

  test("?message=<JSON of the request> works like the fields as parameters", async () => {
    const p = await people(fx);
    let order = await place(p);
    const message = JSON.stringify({ orderId: order.id, afterEventId: await createdEventId(p, order) });
    const stream = await SseStream.open(sseUrl("OrderService/WatchOrder", { message }), {
      headers: bearer(p.tokens.resident),
    });
    try {
      expect(stream.status).toBe(200);
      order = await moves.dispatch(p, order);
      expect((await nextOrderEvent(stream)).action).toBe(OrderAction.DISPATCH);
    } finally {
      stream.close();
    }
  });

  test("no token, or a forged one: unauthenticated", async () => {
    const p = await people(fx);
    const order = await place(p);
    const none = await SseStream.open(sseUrl("OrderService/WatchOrder", { order_id: order.id }));
    expect((await watchError(none, 401)).code).toBe("unauthenticated");
    const forged = await SseStream.open(
      sseUrl("OrderService/WatchOrder", { order_id: order.id, access_token: "forged" }),
    );
    expect((await watchError(forged, 401)).code).toBe("unauthenticated");
  });

  test("another resident's order: not_found; a malformed order_id: invalid_argument naming it", async () => {
    const p = await people(fx);
    const order = await place(p);
    const other = await fx.tokenFor(fx.world.accounts.filter((a) => a.role === "resident")[1]);
    const foreign = await SseStream.open(sseUrl("OrderService/WatchOrder", { order_id: order.id }), {
      headers: bearer(other),
    });
    expect((await watchError(foreign, 404)).code).toBe("not_found");
    const malformed = await SseStream.open(sseUrl("OrderService/WatchOrder", { order_id: "no such id" }), {
      headers: bearer(p.tokens.resident),
    });
    const error = await watchError(malformed, 400);
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toMatch(/^order_id: /);
  });
});

describe("the other streaming RPCs over SSE", () => {
  test("WatchMyOrders, WatchQueue, WatchPool and WatchTeam each see their part of one order", async () => {
    const p = await people(fx);
    let order = await place(p);
    const after = await createdEventId(p, order);
    const watches = {
      mine: await SseStream.open(sseUrl("OrderService/WatchMyOrders", { after_event_id: after }), {
        headers: bearer(p.tokens.resident),
      }),
      queue: await SseStream.open(sseUrl("DispatchService/WatchQueue", {
        community_id: COMMUNITY, after_event_id: after,
      }), { headers: bearer(p.tokens.worker) }),
      pool: await SseStream.open(sseUrl("ClaimService/WatchPool", {
        department_id: DEPARTMENT, after_event_id: after,
      }), { headers: bearer(p.tokens.clerk) }),
      team: await SseStream.open(sseUrl("FulfilmentService/WatchTeam", {
        team_id: TEAM, after_event_id: after,
      }), { headers: bearer(p.tokens.leader) }),
    };
    try {
      for (const [name, stream] of Object.entries(watches)) {
        expect({ name, status: stream.status, body: stream.body }).toEqual({ name, status: 200, body: "" });
      }
      order = await moves.dispatch(p, order);
      order = await moves.claim(p, order);
      order = await moves.assign(p, order);
      // The first event each watcher gets after the creation (the stream's raw text on a mismatch).
      const firstOf = async (name: keyof typeof watches, action: OrderAction) => {
        const e = await nextOrderEvent(watches[name]);
        const got = { name, order: e.orderId, action: OrderAction[e.action] };
        const want = { name, order: order.id, action: OrderAction[action] };
        expect(got, `${name} stream:\n${watches[name].raw}`).toEqual(want);
      };
      await firstOf("mine", OrderAction.DISPATCH);
      await firstOf("queue", OrderAction.DISPATCH);
      await firstOf("pool", OrderAction.DISPATCH);
      await firstOf("team", OrderAction.ASSIGN_TEAM);
      order = await moves.accept(p, order);
      await firstOf("team", OrderAction.ACCEPT);
    } finally {
      for (const stream of Object.values(watches)) stream.close();
    }
  });
});
