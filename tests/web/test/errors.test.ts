// Errors come back as Connect errors: the code a Connect client reports (ConnectError.code) and,
// on the wire, Connect's HTTP status with a JSON body {"code": "...", "message": "..."}.
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { OrderState } from "../gen/kepu/v1/order_pb.js";
import { OrderService } from "../gen/kepu/v1/orders_pb.js";
import { ReportService } from "../gen/kepu/v1/report_pb.js";
import { DispatchService } from "../gen/kepu/v1/dispatch_pb.js";
import { type RawResponse, client, postRaw, requestId, transport } from "../harness/connect.js";
import { COMMUNITY, draft, draftJson } from "../harness/drafts.js";
import { useWorld } from "../harness/fixture.js";
import { people, place } from "../harness/people.js";

const fx = useWorld();

async function connectError(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the call succeeded; an error was expected");
}

// The Connect error on the wire: status, JSON content type, {code, message}.
function expectWireError(response: RawResponse, status: number, code: string): void {
  expect({ status: response.status, body: response.json ?? response.text }).toMatchObject({
    status,
    body: { code },
  });
  expect(response.contentType).toMatch(/^application\/json/);
  // Connect makes "message" optional; when present it is text.
  if ("message" in response.json) expect(typeof response.json.message).toBe("string");
}

// A 26-character order id no order has.
const NO_SUCH_ORDER = "01ZZZZZZZZZZZZZZZZZZZZZZZZ";

describe("error codes through the gateway", () => {
  test("no token, or a token that is not one: unauthenticated (401)", async () => {
    const anonymous = client(fx.world, OrderService);
    expect((await connectError(anonymous.listMyOrders({}))).code).toBe(Code.Unauthenticated);
    const forged = client(fx.world, OrderService, { token: "not-a-real-token" });
    expect((await connectError(forged.listMyOrders({}))).code).toBe(Code.Unauthenticated);

    expectWireError(await postRaw(fx.world, "/kepu.v1.OrderService/ListMyOrders", {}),
      401, "unauthenticated");
    expectWireError(await postRaw(fx.world, "/kepu.v1.OrderService/ListMyOrders", {},
      { token: "not-a-real-token" }), 401, "unauthenticated");
  });

  test("a resident calling the community worker's queue: permission_denied (403)", async () => {
    const token = await fx.token("resident");
    const error = await connectError(
      client(fx.world, DispatchService, { token }).listQueue({ communityId: COMMUNITY }),
    );
    expect(error.code).toBe(Code.PermissionDenied);
    expectWireError(
      await postRaw(fx.world, "/kepu.v1.DispatchService/ListQueue", { communityId: COMMUNITY }, { token }),
      403, "permission_denied");
  });

  test("bad input: invalid_argument (400) whose message starts with the field, nothing written", async () => {
    const token = await fx.token("resident");
    const orders = client(fx.world, OrderService, { token });
    const before = await orders.listMyOrders({});

    const bad = { ...draftJson(), contact: { name: "潘文", phone: "12345" } };
    const error = await connectError(orders.createOrder({
      requestId: requestId(),
      draft: draft({ contact: { name: "潘文", phone: "12345" } }),
    }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(/^draft\.contact\.phone: /);

    const raw = await postRaw(fx.world, "/kepu.v1.OrderService/CreateOrder",
      { requestId: requestId(), draft: bad }, { token });
    expectWireError(raw, 400, "invalid_argument");
    expect(raw.json.message).toMatch(/^draft\.contact\.phone: /);

    const after = await orders.listMyOrders({});
    expect(after.total).toBe(before.total);
    expect(after.orders.map((o) => o.id)).toEqual(before.orders.map((o) => o.id));
  });

  test("an order that does not exist, or another resident's: not_found (404)", async () => {
    const p = await people(fx);
    const order = await place(p);
    const residents = fx.world.accounts.filter((a) => a.role === "resident");
    const other = await fx.tokenFor(residents[1]);

    expect((await connectError(p.resident.getOrder({ orderId: NO_SUCH_ORDER }))).code)
      .toBe(Code.NotFound);
    expect((await connectError(client(fx.world, OrderService, { token: other })
      .getOrder({ orderId: order.id }))).code).toBe(Code.NotFound);

    expectWireError(await postRaw(fx.world, "/kepu.v1.OrderService/GetOrder",
      { orderId: NO_SUCH_ORDER }, { token: p.tokens.resident }), 404, "not_found");
    expectWireError(await postRaw(fx.world, "/kepu.v1.OrderService/GetOrder",
      { orderId: order.id }, { token: other }), 404, "not_found");
  });

  test("a stale expected_version: aborted (409); a move the state forbids: failed_precondition (400)", async () => {
    const p = await people(fx);
    const placed = await place(p);
    const edited = await p.resident.updateOrder({
      requestId: requestId("edit"),
      orderId: placed.id,
      expectedVersion: placed.version,
      draft: { ...placed.draft!, expectedAttendees: 40 },
    });
    expect(edited.version).toBe(placed.version + 1n);

    const stale = await connectError(p.resident.cancelOrder({
      requestId: requestId("cancel"), orderId: placed.id, expectedVersion: placed.version,
      reason: "不需要了",
    }));
    expect(stale.code).toBe(Code.Aborted);
    const staleRaw = await postRaw(fx.world, "/kepu.v1.OrderService/CancelOrder", {
      requestId: requestId("cancel"), orderId: placed.id, expectedVersion: String(placed.version),
      reason: "不需要了",
    }, { token: p.tokens.resident });
    expectWireError(staleRaw, 409, "aborted");

    const rate = { overall: 5, punctuality: 5, content: 5, attitude: 5 };
    const early = await connectError(p.resident.rateOrder({
      requestId: requestId("rate"), orderId: placed.id, expectedVersion: edited.version, rating: rate,
    }));
    expect(early.code).toBe(Code.FailedPrecondition);
    expectWireError(await postRaw(fx.world, "/kepu.v1.OrderService/RateOrder", {
      requestId: requestId("rate"), orderId: placed.id, expectedVersion: String(edited.version),
      rating: rate,
    }, { token: p.tokens.resident }), 400, "failed_precondition");

    // None of the refused moves changed the order.
    const now = await p.resident.getOrder({ orderId: placed.id });
    expect(now.state).toBe(OrderState.SUBMITTED);
    expect(now.version).toBe(edited.version);
    expect(now.draft?.expectedAttendees).toBe(40);
  });

  test("an unknown method or service: 404, which Connect clients read as unimplemented", async () => {
    const token = await fx.token("resident");
    const getOrder = OrderService.method.getOrder;
    const nope = { ...getOrder, name: "FlyToTheMoon", localName: "flyToTheMoon" };
    const fakeService = { ...OrderService, methods: [nope], method: { flyToTheMoon: nope } };
    (nope as { parent: unknown }).parent = fakeService;
    const fake = createClient(fakeService as unknown as typeof OrderService, transport(fx.world, { token }));
    expect((await connectError((fake as any).flyToTheMoon({ orderId: NO_SUCH_ORDER }))).code)
      .toBe(Code.Unimplemented);

    for (const path of ["/kepu.v1.OrderService/FlyToTheMoon", "/kepu.v1.NoSuchService/GetOrder"]) {
      const raw = await postRaw(fx.world, path, { orderId: NO_SUCH_ORDER }, { token });
      expect({ path, status: raw.status }).toEqual({ path, status: 404 });
      // A body, if any, is a Connect error saying unimplemented.
      if (raw.json !== undefined) expect(raw.json.code).toBe("unimplemented");
    }
  });

  test("ReportService: unimplemented (501)", async () => {
    const token = await fx.adminToken();
    const error = await connectError(
      client(fx.world, ReportService, { token }).getSummary({ regionId: "jining" }),
    );
    expect(error.code).toBe(Code.Unimplemented);
    expectWireError(await postRaw(fx.world, "/kepu.v1.ReportService/GetSummary",
      { regionId: "jining" }, { token }), 501, "unimplemented");
  });
});
