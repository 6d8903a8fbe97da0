// Header and token bytes gRPC cannot carry as metadata (a tab, a line feed, bytes over 0x7E):
// the gateway must refuse them with invalid_argument naming the header, and kepud must go on
// serving (gRPC aborts the process on such metadata). Sent over a raw socket, as a hostile
// client would, since fetch refuses some of these values itself.
import { connect } from "node:net";
import { describe, expect, test } from "vitest";
import { getRaw } from "../harness/connect.js";
import { useWorld } from "../harness/fixture.js";

const fx = useWorld();

// One HTTP/1.1 request with `headers` as raw bytes; resolves with the status line and body.
function rawRequest(method: string, path: string, headers: Buffer[], body = ""): Promise<{ status: number; body: string }> {
  const [host, port] = fx.world.kepud!.httpAddress.split(":");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host);
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error("no answer within 15 s")));
    socket.on("data", (data) => chunks.push(data));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
    socket.write(Buffer.concat([
      Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`),
      ...headers.map((h) => Buffer.concat([h, Buffer.from("\r\n")])),
      Buffer.from(`content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`),
    ]));
  });
}

describe("headers gRPC cannot carry", () => {
  test("a tab or bytes over 0x7E in authorization or x-kepu-tenant: 400 naming the header, kepud unharmed", async () => {
    const cases: [string, Buffer][] = [
      ["authorization", Buffer.from("authorization: Bearer a\tb")],
      ["authorization", Buffer.concat([Buffer.from("authorization: Bearer "), Buffer.from([0xc3, 0xa9])])],
      ["x-kepu-tenant", Buffer.from("x-kepu-tenant: jin\tning")],
      ["x-kepu-tenant", Buffer.concat([Buffer.from("x-kepu-tenant: "), Buffer.from([0xff])])],
    ];
    for (const [name, header] of cases) {
      const answer = await rawRequest("POST", "/kepu.v1.IdentityService/Login", [header],
        '{"phone":"13900000001","password":"resident2026"}');
      expect({ name, status: answer.status }).toEqual({ name, status: 400 });
      const error = JSON.parse(answer.body) as { code: string; message: string };
      expect(error.code).toBe("invalid_argument");
      expect(error.message).toMatch(new RegExp(`^${name}: `));
    }
    expect((await getRaw(fx.world, "/healthz")).status).toBe(200);
  });

  test("an access_token with a line feed or non-ASCII on an event stream: 400, kepud unharmed", async () => {
    for (const token of ["%0a", "%C3%A9", "a%09b"]) {
      const answer = await rawRequest(
        "GET", `/sse/kepu.v1.OrderService/WatchMyOrders?access_token=${token}`, []);
      expect({ token, status: answer.status }).toEqual({ token, status: 400 });
      expect(JSON.parse(answer.body)).toMatchObject({ code: "invalid_argument" });
      expect(JSON.parse(answer.body).message).toMatch(/^access_token: /);
    }
    expect((await getRaw(fx.world, "/healthz")).status).toBe(200);
  });

  test("HEAD answers carry no body, so a kept-alive connection stays in step", async () => {
    for (const path of ["/healthz", "/no-such-file.js"]) {
      const response = await fetch(`${fx.world.baseUrl}${path}`, { method: "HEAD", signal: AbortSignal.timeout(15_000) });
      expect(await response.text()).toBe("");
      // The same connection (fetch keeps it alive) answers the next request correctly.
      const next = await getRaw(fx.world, "/healthz");
      expect({ path, status: next.status, body: next.json }).toEqual({ path, status: 200, body: { status: "SERVING" } });
    }
  });
});
