// The typed clients of every service, over one Connect transport (JSON, same origin as the app).
import {
  Code,
  ConnectError,
  createClient,
  type Client,
  type Interceptor,
  type Transport,
} from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { ClaimService } from '@/gen/kepu/v1/claims_pb';
import { DirectoryService } from '@/gen/kepu/v1/directory_pb';
import { DispatchService } from '@/gen/kepu/v1/dispatch_pb';
import { FulfilmentService } from '@/gen/kepu/v1/fulfilment_pb';
import { IdentityService } from '@/gen/kepu/v1/identity_pb';
import { MatchingService } from '@/gen/kepu/v1/matching_pb';
import { NotificationService } from '@/gen/kepu/v1/notification_pb';
import { OrderService } from '@/gen/kepu/v1/orders_pb';
import { WatchdogService } from '@/gen/kepu/v1/watchdog_pb';

export interface Api {
  identity: Client<typeof IdentityService>;
  directory: Client<typeof DirectoryService>;
  orders: Client<typeof OrderService>;
  dispatch: Client<typeof DispatchService>;
  claims: Client<typeof ClaimService>;
  fulfilment: Client<typeof FulfilmentService>;
  matching: Client<typeof MatchingService>;
  watchdog: Client<typeof WatchdogService>;
  notifications: Client<typeof NotificationService>;
}

let tokenProvider: () => string | undefined = () => undefined;
let onUnauthenticated: () => void = () => {};

/** Where the bearer token comes from (the session store sets this). */
export function setTokenProvider(p: () => string | undefined): void {
  tokenProvider = p;
}

/** Called when a signed-in call answers UNAUTHENTICATED (the session expired or was revoked). */
export function setUnauthenticatedHandler(h: () => void): void {
  onUnauthenticated = h;
}

/** Adds "Authorization: Bearer <token>" and notices expired sessions. */
export const authInterceptor: Interceptor = (next) => async (req) => {
  const token = tokenProvider();
  if (token) req.header.set('Authorization', `Bearer ${token}`);
  try {
    return await next(req);
  } catch (err) {
    if (token && err instanceof ConnectError && err.code === Code.Unauthenticated) {
      onUnauthenticated();
    }
    throw err;
  }
};

let transport: Transport | undefined;
let clients: Api | undefined;

/** Replaces the transport (tests use createRouterTransport). */
export function setTransport(t: Transport | undefined): void {
  transport = t;
  clients = undefined;
}

export function defaultTransport(): Transport {
  return createConnectTransport({
    baseUrl: location.origin,
    interceptors: [authInterceptor],
    defaultTimeoutMs: 20000,
  });
}

export function api(): Api {
  if (!clients) {
    const t = (transport ??= defaultTransport());
    clients = {
      identity: createClient(IdentityService, t),
      directory: createClient(DirectoryService, t),
      orders: createClient(OrderService, t),
      dispatch: createClient(DispatchService, t),
      claims: createClient(ClaimService, t),
      fulfilment: createClient(FulfilmentService, t),
      matching: createClient(MatchingService, t),
      watchdog: createClient(WatchdogService, t),
      notifications: createClient(NotificationService, t),
    };
  }
  return clients;
}
