// The README walkthrough's order: a resident of 竹竿巷社区 orders an anti-fraud talk for the elderly,
// a week from today, 09:00–11:00 in Jining (UTC+8).
import { type MessageInitShape, create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Audience } from "../gen/kepu/v1/common_pb.js";
import { type OrderDraft, OrderDraftSchema } from "../gen/kepu/v1/order_pb.js";

export const COMMUNITY = "rencheng-guhuai-zhuyuan";
export const LINE = "elderly-smart-help";
export const DEPARTMENT = "minzheng";
export const TEAM = "rencheng-smart-elderly";

// [start, end) of the window `days` ahead, 09:00–11:00 China time.
export function window(days = 7): { start: Date; end: Date } {
  const day = new Date(Date.now() + days * 86_400_000);
  const ymd = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(day);
  return {
    start: new Date(`${ymd}T09:00:00+08:00`),
    end: new Date(`${ymd}T11:00:00+08:00`),
  };
}

// [start, end) of a window starting in ten minutes, two hours long.
export function soonWindow(): { start: Date; end: Date } {
  const start = new Date(Date.now() + 10 * 60_000);
  return { start, end: new Date(start.getTime() + 2 * 3_600_000) };
}

// Fields of the draft to replace (init shapes, as create() takes them).
export type DraftOverrides = Record<string, unknown>;

export function draft(overrides: DraftOverrides = {}): OrderDraft {
  const { start, end } = window();
  return create(OrderDraftSchema, {
    serviceLineId: LINE,
    communityId: COMMUNITY,
    address: "竹竿巷社区党群服务中心",
    audience: Audience.ELDERLY,
    expectedAttendees: 30,
    preferredWindows: [{ start: timestampFromDate(start), end: timestampFromDate(end) }],
    description: "老年人防范电信诈骗讲座",
    contact: { name: "潘文", phone: "13900000001" },
    ...overrides,
  } as MessageInitShape<typeof OrderDraftSchema>);
}

// The same draft in the proto3 JSON mapping, as a browser would send it.
export function draftJson(): Record<string, unknown> {
  const { start, end } = window();
  return {
    serviceLineId: LINE,
    communityId: COMMUNITY,
    address: "竹竿巷社区党群服务中心",
    audience: "AUDIENCE_ELDERLY",
    expectedAttendees: 30,
    preferredWindows: [{ start: start.toISOString(), end: end.toISOString() }],
    description: "老年人防范电信诈骗讲座",
    contact: { name: "潘文", phone: "13900000001" },
  };
}
