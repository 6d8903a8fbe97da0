// What a browser or a buggy client may send to POST /kepu.v1.OrderService/CreateOrder: bad JSON,
// wrong types, unknown fields, unknown enum names, the wrong content type, a body over
// --http_max_body_bytes (1 MiB). Each is refused with invalid_argument naming what is wrong (or
// the size / media-type answers of the Connect protocol), and the resident's orders are the same
// before and after. And what must be accepted: proto field names, int64 as strings, padding.
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { OrderService } from "../gen/kepu/v1/orders_pb.js";
import { client, postRaw, requestId } from "../harness/connect.js";
import { draftJson } from "../harness/drafts.js";
import { useWorld } from "../harness/fixture.js";

const fx = useWorld();
const CREATE = "/kepu.v1.OrderService/CreateOrder";
const MiB = 1024 * 1024;

async function myOrderIds(): Promise<string[]> {
  const token = await fx.token("resident");
  const list = await client(fx.world, OrderService, { token }).listMyOrders({ page: { pageSize: 100 } });
  expect(list.total).toBe(BigInt(list.orders.length));
  return list.orders.map((o) => o.id);
}

// Runs `send` and checks that the resident has exactly the orders they had before.
async function writesNothing(send: () => Promise<void>): Promise<void> {
  const before = await myOrderIds();
  await send();
  expect(await myOrderIds()).toEqual(before);
}

function valid(): Record<string, unknown> {
  return { requestId: requestId("bad"), draft: draftJson() };
}

async function post(body: unknown, contentType?: string) {
  return postRaw(fx.world, CREATE, body, { token: await fx.token("resident"), contentType });
}

describe("malformed requests are refused and write nothing", () => {
  test("not JSON at all: invalid_argument (400)", async () => {
    await writesNothing(async () => {
      for (const body of ['{"requestId": "abcdefgh", "draft": {', "[]", "null", "\"hello\"", "{,}"]) {
        const r = await post(body);
        expect({ body, status: r.status, code: r.json?.code }).toEqual({
          body, status: 400, code: "invalid_argument",
        });
      }
    });
  });

  test("a wrong type names the field: expectedAttendees as text", async () => {
    await writesNothing(async () => {
      const body = valid();
      (body.draft as Record<string, unknown>).expectedAttendees = "many";
      const r = await post(body);
      expect({ status: r.status, code: r.json?.code }).toEqual({ status: 400, code: "invalid_argument" });
      expect(r.json.message).toMatch(/expected_?[aA]ttendees/);
    });
  });

  test("a message where a string belongs names the field: requestId as an object", async () => {
    await writesNothing(async () => {
      const r = await post({ ...valid(), requestId: { id: 1 } });
      expect({ status: r.status, code: r.json?.code }).toEqual({ status: 400, code: "invalid_argument" });
      expect(r.json.message).toMatch(/request_?[iI]d/);
    });
  });

  test("an unknown field names it", async () => {
    await writesNothing(async () => {
      const r = await post({ ...valid(), favouriteColour: "red" });
      expect({ status: r.status, code: r.json?.code }).toEqual({ status: 400, code: "invalid_argument" });
      expect(r.json.message).toContain("favouriteColour");
    });
  });

  test("an unknown enum name names the field", async () => {
    await writesNothing(async () => {
      const body = valid();
      (body.draft as Record<string, unknown>).audience = "AUDIENCE_ALIENS";
      const r = await post(body);
      expect({ status: r.status, code: r.json?.code }).toEqual({ status: 400, code: "invalid_argument" });
      expect(r.json.message).toMatch(/audience|AUDIENCE_ALIENS/);
    });
  });

  test("a timestamp that is not RFC 3339 names the field", async () => {
    await writesNothing(async () => {
      const body = valid();
      (body.draft as { preferredWindows: unknown }).preferredWindows = [
        { start: "next tuesday", end: "2026-12-06T03:00:00Z" },
      ];
      const r = await post(body);
      expect({ status: r.status, code: r.json?.code }).toEqual({ status: 400, code: "invalid_argument" });
      expect(r.json.message).toMatch(/start|preferred_?[wW]indows/);
    });
  });

  test("bytes that are not a protobuf message, sent as application/proto: invalid_argument", async () => {
    await writesNothing(async () => {
      const r = await post(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), "application/proto");
      expect({ status: r.status, code: r.json?.code }).toEqual({ status: 400, code: "invalid_argument" });
    });
  });

  test("a content type the Connect protocol does not know: 415 Unsupported Media Type", async () => {
    await writesNothing(async () => {
      const r = await post(JSON.stringify(valid()), "text/plain");
      expect(r.status).toBe(415);
    });
  });

  // Valid JSON padded with spaces to `size` bytes.
  const padded = (size: number) => {
    const json = JSON.stringify(valid());
    return json.slice(0, -1) + " ".repeat(size - json.length) + "}";
  };

  test("a body just under --http_max_body_bytes (1 MiB) is an order", async () => {
    const under = await post(padded(MiB - 1024));
    expect({ status: under.status, body: under.status === 200 ? "order" : under.text })
      .toEqual({ status: 200, body: "order" });
  });

  // kepud --help: "largest HTTP request body; larger ones get 413", with the Connect code
  // resource_exhausted in the body (Connect's own status for that code would be 429; Connect
  // clients read the code from the body). The client must be able to read that answer: a server
  // that closes the connection while the body is still coming resets it, and fetch (like a
  // browser) then reports a network error instead (RFC 9112 §9.6: close gracefully).
  test("a body over the limit with Content-Length: 413 resource_exhausted, readable by the client", async () => {
    await writesNothing(async () => {
      for (const size of [MiB + 1024, 2 * MiB, 4 * MiB]) {
        let over;
        try {
          over = await post(padded(size));
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
          expect.fail(`the client could not read the answer to a ${size}-byte body: ${cause}`);
        }
        expect({ size, status: over.status, code: over.json?.code })
          .toEqual({ size, status: 413, code: "resource_exhausted" });
      }
    });
  });

  test("a body over the limit without Content-Length (chunked): 413 resource_exhausted", async () => {
    await writesNothing(async () => {
      const token = await fx.token("resident");
      const json = JSON.stringify(valid());
      const chunk = " ".repeat(64 * 1024);
      const chunks = [json.slice(0, -1), ...Array(24).fill(chunk), "}"]; // ~1.5 MiB
      const response = await fetch(`${fx.world.baseUrl}${CREATE}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: Readable.toWeb(Readable.from(chunks)) as ReadableStream,
        duplex: "half",
        signal: AbortSignal.timeout(15_000),
      } as RequestInit);
      const text = await response.text();
      expect({ status: response.status, code: JSON.parse(text).code })
        .toEqual({ status: 413, code: "resource_exhausted" });
    });
  });
});

describe("what the proto3 JSON mapping allows is accepted", () => {
  test("proto field names (snake_case) work like lowerCamel; int64 and enums come back as strings", async () => {
    const token = await fx.token("resident");
    const d = draftJson();
    const snake = {
      request_id: requestId("snake"),
      draft: {
        service_line_id: d.serviceLineId,
        community_id: d.communityId,
        address: d.address,
        audience: d.audience,
        expected_attendees: d.expectedAttendees,
        preferred_windows: d.preferredWindows,
        description: d.description,
        contact: d.contact,
      },
    };
    const r = await postRaw(fx.world, CREATE, snake, { token });
    expect({ status: r.status, body: r.json }).toMatchObject({
      status: 200,
      body: { state: "ORDER_STATE_SUBMITTED", version: "1", draft: { expectedAttendees: 30 } },
    });
    expect(r.contentType).toMatch(/^application\/json/);
    expect(await myOrderIds()).toContain(r.json.id);

    // expected_version as a JSON string (int64) and as a number are both accepted.
    const cancel = await postRaw(fx.world, "/kepu.v1.OrderService/CancelOrder", {
      requestId: requestId("cancel"), orderId: r.json.id, expectedVersion: "1", reason: "重复下单",
    }, { token });
    expect({ status: cancel.status, state: cancel.json?.state, version: cancel.json?.version })
      .toEqual({ status: 200, state: "ORDER_STATE_CANCELLED", version: "2" });
  });
});
