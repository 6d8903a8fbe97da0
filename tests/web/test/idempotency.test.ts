// A request retried with the same request_id (a lost answer, a double tap) gives the same order
// once; the same request_id with other content is refused naming request_id.
import { Code, ConnectError } from "@connectrpc/connect";
import { expect, test } from "vitest";
import { OrderService } from "../gen/kepu/v1/orders_pb.js";
import { client, postRaw, requestId } from "../harness/connect.js";
import { draft, draftJson } from "../harness/drafts.js";
import { useWorld } from "../harness/fixture.js";

const fx = useWorld();

test("CreateOrder retried with one request_id: one order, the same answer each time", async () => {
  const orders = client(fx.world, OrderService, { token: await fx.token("resident") });
  const id = requestId("retry");
  const request = { requestId: id, draft: draft() };
  const first = await orders.createOrder(request);
  // Retries, one after the other and then several at once (as a flaky network would).
  const again = await orders.createOrder(request);
  const burst = await Promise.all([1, 2, 3, 4].map(() => orders.createOrder(request)));
  for (const answer of [again, ...burst]) {
    expect(answer.id).toBe(first.id);
    expect(answer.version).toBe(first.version);
  }
  const mine = await orders.listMyOrders({});
  expect(mine.orders.map((o) => o.id)).toEqual([first.id]);
  expect(mine.total).toBe(1n);
  const history = await orders.getOrderHistory({ orderId: first.id });
  expect(history.events).toHaveLength(1);
});

test("the same request_id over raw JSON and the Connect client: the same order", async () => {
  const token = await fx.token("resident");
  const orders = client(fx.world, OrderService, { token });
  const before = await orders.listMyOrders({});
  const body = { requestId: requestId("raw"), draft: draftJson() };
  const first = await postRaw(fx.world, "/kepu.v1.OrderService/CreateOrder", body, { token });
  const second = await postRaw(fx.world, "/kepu.v1.OrderService/CreateOrder", body, { token });
  expect(first.status).toBe(200);
  expect(second.status).toBe(200);
  expect(second.json.id).toBe(first.json.id);
  const after = await orders.listMyOrders({});
  expect(after.total).toBe(before.total + 1n);
});

test("the same request_id with other content: invalid_argument naming request_id, nothing written", async () => {
  const orders = client(fx.world, OrderService, { token: await fx.token("resident") });
  const id = requestId("reuse");
  const first = await orders.createOrder({ requestId: id, draft: draft() });
  const before = await orders.listMyOrders({});
  let error: ConnectError | undefined;
  try {
    await orders.createOrder({ requestId: id, draft: draft({ expectedAttendees: 99 }) });
  } catch (e) {
    error = ConnectError.from(e);
  }
  expect(error?.code).toBe(Code.InvalidArgument);
  expect(error?.rawMessage).toMatch(/^request_id: /);
  const after = await orders.listMyOrders({});
  expect(after.orders.map((o) => o.id)).toEqual(before.orders.map((o) => o.id));
  const unchanged = await orders.getOrder({ orderId: first.id });
  expect(unchanged.draft?.expectedAttendees).toBe(30);
});
