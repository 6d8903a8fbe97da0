// Limits and failures through the gateway: Connect-Timeout-Ms, Redis not answering (503, then
// back by itself), and the browser's address reaching the per-address sign-in limit — from the
// gateway, believed; from a gRPC client naming an address of its own, not.
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { IdentityService } from "../gen/kepu/v1/identity_pb.js";
import { postRaw } from "../harness/connect.js";
import { useWorld } from "../harness/fixture.js";

// The gateway believes X-Forwarded-For here, as behind a proxy the operator runs.
const fx = useWorld({ flags: ["--http_trust_forwarded_for"] });

function redisCli(...args: string[]): string {
  return execFileSync("redis-cli", ["-p", String(fx.world.redis!.port), ...args], {
    encoding: "utf8",
  }).trim();
}

// A failed sign-in for a number nobody has, from `address` (X-Forwarded-For).
async function failedLogin(n: number, address: string): Promise<{ status: number; code: string }> {
  const response = await postRaw(
    fx.world,
    "/kepu.v1.IdentityService/Login",
    { phone: `139${String(70000000 + n).padStart(8, "0")}`, password: "not-the-password" },
    { headers: { "x-forwarded-for": `10.9.9.9, ${address}` } },
  );
  return { status: response.status, code: response.json?.code };
}

describe("limits through the gateway", () => {
  test("connect-timeout-ms that is not a positive number: invalid_argument (400)", async () => {
    const token = await fx.token("resident");
    for (const value of ["soon", "-5", "0", "12345678901"]) {
      const response = await postRaw(fx.world, "/kepu.v1.OrderService/ListMyOrders", {}, {
        token,
        headers: { "connect-timeout-ms": value },
      });
      expect({ value, status: response.status, code: response.json?.code }).toEqual({
        value, status: 400, code: "invalid_argument",
      });
      expect(response.json.message).toMatch(/connect-timeout-ms/);
    }
  });

  test("Redis not answering: the client's deadline (504), kepud's Redis timeout (503); then back by itself", async () => {
    const token = await fx.token("resident");
    const call = (headers: Record<string, string> = {}) =>
      postRaw(fx.world, "/kepu.v1.OrderService/ListMyOrders", {}, { token, headers });
    expect((await call()).status).toBe(200);
    redisCli("CLIENT", "PAUSE", "6000", "ALL");
    try {
      const hurried = await call({ "connect-timeout-ms": "300" });
      expect({ status: hurried.status, code: hurried.json?.code }).toEqual({
        status: 504, code: "deadline_exceeded",
      });
      const patient = await call();
      expect({ status: patient.status, code: patient.json?.code }).toEqual({
        status: 503, code: "unavailable",
      });
    } finally {
      redisCli("CLIENT", "UNPAUSE");
    }
    const again = await call();
    expect(again.status).toBe(200);
    expect(Array.isArray(again.json.orders) || again.json.orders === undefined).toBe(true);
  });

  test("failed sign-ins count per browser address: the 31st from one address is refused, another address is not", async () => {
    const limit = 30; // SignInLimits::failures_per_address
    for (let n = 0; n < limit; ++n) {
      expect(await failedLogin(n, "203.0.113.7")).toEqual({ status: 401, code: "unauthenticated" });
    }
    expect(await failedLogin(limit, "203.0.113.7")).toEqual({
      status: 429, code: "resource_exhausted",
    });
    expect(await failedLogin(limit + 1, "203.0.113.8")).toEqual({
      status: 401, code: "unauthenticated",
    });
  });

  test("a gRPC client cannot name an address of its own: its failures count for its real address", async () => {
    const grpc = createClient(IdentityService, createGrpcTransport({
      baseUrl: `http://${fx.world.kepud!.grpcAddress}`,
      interceptors: [(next) => async (request) => {
        request.header.set("x-kepu-client-address", `ipv4:198.51.100.${Math.floor(Math.random() * 200)}`);
        return next(request);
      }],
    }));
    const codes: Code[] = [];
    for (let n = 0; n < 31; ++n) {
      try {
        await grpc.login({ phone: `139${String(80000000 + n)}`, password: "not-the-password" });
      } catch (error) {
        codes.push(ConnectError.from(error).code);
      }
    }
    // Thirty different claimed addresses, one real one (loopback): the 31st is refused.
    expect(codes.slice(0, 30).every((code) => code === Code.Unauthenticated)).toBe(true);
    expect(codes[30]).toBe(Code.ResourceExhausted);
    // The gateway's browsers are not affected by that client.
    expect(await failedLogin(100, "203.0.113.9")).toEqual({ status: 401, code: "unauthenticated" });
  });
});
