// Every service of proto/kepu/v1 answers through the gateway: one representative call each, with a
// real Connect client (connect-node, HTTP/1.1, JSON), and ReportService answers unimplemented.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { ClaimService } from "../gen/kepu/v1/claims_pb.js";
import { Role } from "../gen/kepu/v1/common_pb.js";
import { DirectoryService } from "../gen/kepu/v1/directory_pb.js";
import { DispatchService } from "../gen/kepu/v1/dispatch_pb.js";
import { FulfilmentService } from "../gen/kepu/v1/fulfilment_pb.js";
import { IdentityService } from "../gen/kepu/v1/identity_pb.js";
import { MatchingService } from "../gen/kepu/v1/matching_pb.js";
import { Stage } from "../gen/kepu/v1/order_pb.js";
import { OrderService } from "../gen/kepu/v1/orders_pb.js";
import { ReportService } from "../gen/kepu/v1/report_pb.js";
import { WatchdogService } from "../gen/kepu/v1/watchdog_pb.js";
import { client } from "../harness/connect.js";
import { COMMUNITY, DEPARTMENT, LINE, TEAM } from "../harness/drafts.js";
import { useWorld } from "../harness/fixture.js";

const fx = useWorld();

async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("every service answers through the gateway", () => {
  test("IdentityService: Login, then WhoAmI names the resident", async () => {
    const resident = fx.world.account("resident");
    const session = await client(fx.world, IdentityService).login({
      phone: resident.phone,
      password: resident.password,
    });
    expect(session.token).not.toBe("");
    const me = await client(fx.world, IdentityService, { token: session.token }).whoAmI({});
    expect(me.id).toBe(session.user?.id);
    expect(me.displayName).toBe(resident.name);
    expect(me.grants.map((g) => g.role)).toContain(Role.RESIDENT);
  });

  test("DirectoryService: the catalog lists the walkthrough's service line", async () => {
    const lines = await client(fx.world, DirectoryService, { token: await fx.token("resident") })
      .listServiceLines({ orderableOnly: true });
    const ids = lines.serviceLines.map((line) => line.id);
    expect(ids).toContain(LINE);
  });

  test("OrderService: a new resident has no orders", async () => {
    const mine = await client(fx.world, OrderService, { token: await fx.token("resident") })
      .listMyOrders({});
    expect(mine.orders).toEqual([]);
    expect(mine.total).toBe(0n);
  });

  test("DispatchService: the community worker's queue answers", async () => {
    const queue = await client(fx.world, DispatchService, { token: await fx.token("worker", COMMUNITY) })
      .listQueue({ communityId: COMMUNITY });
    expect(queue.orders).toEqual([]);
  });

  test("ClaimService: the department's pool answers", async () => {
    const pool = await client(fx.world, ClaimService, { token: await fx.token("department", DEPARTMENT) })
      .listPool({ departmentId: DEPARTMENT });
    expect(pool.orders).toEqual([]);
  });

  test("FulfilmentService: the team leader's offers answer", async () => {
    const offers = await client(fx.world, FulfilmentService, { token: await fx.token("leader", TEAM) })
      .listOffers({ teamId: TEAM });
    expect(offers.orders).toEqual([]);
  });

  test("MatchingService: the admin reads the matching status", async () => {
    const status = await client(fx.world, MatchingService, { token: await fx.adminToken() })
      .getMatchingStatus({});
    expect(status.queued).toBe(0n);
    expect(status.deadLetters).toBe(0n);
  });

  test("WatchdogService: the SLA policy has a deadline for every waiting stage", async () => {
    const policy = await client(fx.world, WatchdogService, { token: await fx.token("resident") })
      .getSlaPolicy({});
    const stages = policy.stages.map((s) => s.stage);
    expect(stages).toEqual(expect.arrayContaining([Stage.AWAITING_DISPATCH, Stage.AWAITING_CLAIM]));
    expect(policy.defaultOfferTtl?.seconds ?? 0n).toBeGreaterThan(0n);
  });

  test("ReportService answers unimplemented (declared, belongs to no issue yet)", async () => {
    const report = client(fx.world, ReportService, { token: await fx.adminToken() });
    expect(await codeOf(report.getSummary({ regionId: "jining" }))).toBe(Code.Unimplemented);
    expect(await codeOf(report.listAuditEvents({}))).toBe(Code.Unimplemented);
  });

  test("the same call in binary (application/proto) answers the same", async () => {
    const token = await fx.token("resident");
    const json = await client(fx.world, IdentityService, { token }).whoAmI({});
    const binary = await client(fx.world, IdentityService, { token, binary: true }).whoAmI({});
    expect(binary.id).toBe(json.id);
    expect(binary.displayName).toBe(json.displayName);
  });
});
