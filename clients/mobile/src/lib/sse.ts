// Live order events over the gateway's server-sent events (GET /sse/kepu.v1.<Service>/<Method>).
// EventSource cannot set headers, so the token travels as ?access_token=. On a dropped connection
// the browser reconnects by itself and sends Last-Event-ID; the gateway resumes after it.
// "event: error" carries a Connect error JSON and ends the stream.
import { fromJson } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { codeFromString } from '@connectrpc/connect/protocol-connect';
import { OrderEventSchema, type OrderEvent } from '@/gen/kepu/v1/order_pb';

export type StreamPath =
  | 'kepu.v1.OrderService/WatchOrder'
  | 'kepu.v1.OrderService/WatchMyOrders'
  | 'kepu.v1.DispatchService/WatchQueue'
  | 'kepu.v1.ClaimService/WatchPool'
  | 'kepu.v1.FulfilmentService/WatchTeam'
  | 'kepu.v1.NotificationService/WatchNotifications';

/** connecting: the first connection; reconnecting: after the stream was live and dropped. */
export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface StreamHandlers<T = OrderEvent> {
  onEvent: (ev: T) => void;
  onStatus?: (s: StreamStatus) => void;
  /** The server ended the stream with an error (not called for dropped connections). */
  onError?: (err: ConnectError) => void;
}

export interface EventSourceLike {
  readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

const defaultFactory: EventSourceFactory = (url) => new EventSource(url) as unknown as EventSourceLike;

export function streamUrl(path: StreamPath, params: Record<string, string | undefined>, token?: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  if (token) q.set('access_token', token);
  const qs = q.toString();
  return `/sse/${path}${qs ? `?${qs}` : ''}`;
}

export function parseEvent(data: string): OrderEvent {
  return fromJson(OrderEventSchema, JSON.parse(data), { ignoreUnknownFields: true });
}

export function parseStreamError(data: string): ConnectError {
  try {
    const j = JSON.parse(data) as { code?: string; message?: string };
    return new ConnectError(j.message ?? '', (j.code && codeFromString(j.code)) || Code.Unknown);
  } catch {
    return new ConnectError(data, Code.Unknown);
  }
}

export interface StreamHandle {
  close(): void;
}

export function watchStream(
  path: StreamPath,
  params: Record<string, string | undefined>,
  token: string | undefined,
  h: StreamHandlers,
  factory: EventSourceFactory = defaultFactory,
): StreamHandle {
  return watchStreamOf(path, params, token, parseEvent, h, factory);
}

/** A stream of any message: `parse` turns one event's JSON text into it. */
export function watchStreamOf<T>(
  path: StreamPath,
  params: Record<string, string | undefined>,
  token: string | undefined,
  parse: (data: string) => T,
  h: StreamHandlers<T>,
  factory: EventSourceFactory = defaultFactory,
): StreamHandle {
  let closed = false;
  let opened = false;
  const es = factory(streamUrl(path, params, token));
  h.onStatus?.('connecting');
  es.onopen = () => {
    opened = true;
    h.onStatus?.('live');
  };
  es.onmessage = (ev) => {
    try {
      h.onEvent(parse(String(ev.data)));
    } catch {
      /* a malformed event is skipped */
    }
  };
  // The gateway's "event: error" (a MessageEvent with data) ends the stream for good; a plain
  // error event is a dropped connection the browser retries.
  es.addEventListener('error', (ev) => {
    if (closed) return;
    if (ev && typeof (ev as MessageEvent).data === 'string' && (ev as MessageEvent).data) {
      closed = true;
      es.close();
      h.onStatus?.('closed');
      h.onError?.(parseStreamError((ev as MessageEvent).data));
      return;
    }
    // Until the stream was open once, the browser is still making the first connection.
    h.onStatus?.(es.readyState === 2 ? 'closed' : opened ? 'reconnecting' : 'connecting');
  });
  return {
    close() {
      closed = true;
      es.close();
      h.onStatus?.('closed');
    },
  };
}
