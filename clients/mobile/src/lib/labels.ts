// Enum values → i18n keys and the slugs used in data-testid attributes.
import { Audience, Role } from '@/gen/kepu/v1/common_pb';
import { OrderAction, OrderState, Stage } from '@/gen/kepu/v1/order_pb';
import type { StreamStatus } from './sse';

export const audienceSlug: Record<number, string> = {
  [Audience.YOUTH]: 'youth',
  [Audience.FARMERS]: 'farmers',
  [Audience.INDUSTRIAL_WORKERS]: 'workers',
  [Audience.ELDERLY]: 'elderly',
  [Audience.OFFICIALS]: 'officials',
  [Audience.GENERAL_PUBLIC]: 'public',
};

export const AUDIENCES: Audience[] = [
  Audience.YOUTH,
  Audience.FARMERS,
  Audience.INDUSTRIAL_WORKERS,
  Audience.ELDERLY,
  Audience.OFFICIALS,
  Audience.GENERAL_PUBLIC,
];

export const stateName = (s: OrderState): string => OrderState[s] ?? 'UNSPECIFIED';
export const actionName = (a: OrderAction): string => OrderAction[a] ?? 'UNSPECIFIED';
export const stageName = (s: Stage): string => Stage[s] ?? 'UNSPECIFIED';

export const roleKey = (r: Role): string =>
  (
    ({
      [Role.RESIDENT]: 'roles.resident',
      [Role.COMMUNITY_WORKER]: 'roles.worker',
      [Role.DEPARTMENT_STAFF]: 'roles.department',
      [Role.TEAM_LEADER]: 'roles.leader',
      [Role.VOLUNTEER]: 'roles.volunteer',
      [Role.ADMIN]: 'roles.admin',
      [Role.SYSTEM]: 'roles.system',
    }) as Record<number, string>
  )[r] ?? 'roles.unknown';

/** States in which the order is finished. */
export const FINAL_STATES = new Set<OrderState>([
  OrderState.REJECTED,
  OrderState.RATED,
  OrderState.CLOSED,
  OrderState.CANCELLED,
]);

/** States in which the resident or the community may still cancel (before service starts). */
export const CANCELLABLE = new Set<OrderState>([
  OrderState.SUBMITTED,
  OrderState.NEEDS_INFO,
  OrderState.DISPATCHED,
  OrderState.CLAIMED,
  OrderState.OFFERED,
  OrderState.ACCEPTED,
]);

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default';

export function stateTagType(s: OrderState): TagType {
  switch (s) {
    case OrderState.SUBMITTED:
    case OrderState.DISPATCHED:
    case OrderState.CLAIMED:
    case OrderState.OFFERED:
      return 'primary';
    case OrderState.NEEDS_INFO:
    case OrderState.COMPLETED:
      return 'warning';
    case OrderState.ACCEPTED:
    case OrderState.IN_SERVICE:
    case OrderState.RATED:
      return 'success';
    case OrderState.REJECTED:
      return 'danger';
    default:
      return 'default';
  }
}

/** The words for a live stream's status: connecting the first time, reconnecting only after a drop. */
export function liveStatusKey(s: StreamStatus): string {
  switch (s) {
    case 'live':
      return 'app.live';
    case 'connecting':
      return 'app.connecting';
    case 'reconnecting':
      return 'app.reconnecting';
    default:
      return 'app.notLive';
  }
}
