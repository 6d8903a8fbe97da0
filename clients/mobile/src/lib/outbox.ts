// The offline outbox: an order written without signal is kept in localStorage with the
// request_id it was given when the person pressed "submit", and sent once — with that same
// request_id — when the browser is back online or the app starts with signal. The server is
// idempotent under request_id, so even a send whose answer was lost is safe to repeat.
//
// A send that fails for a passing reason (no network, server unavailable, session expired) keeps
// the item for the next try; one that fails for good (bad input, not allowed) drops it and keeps
// the error to show the person.
import { describeError, isTransient, type FriendlyError } from './errors';

export type OutboxKind = 'createOrder';

export interface OutboxItem {
  /** The request_id the request was given when it was written; sent unchanged. */
  requestId: string;
  kind: OutboxKind;
  /** The account that wrote it: request ids are scoped to the account. */
  userId: string;
  /** The request as protobuf JSON. */
  payload: unknown;
  /** A short text to show in the list (e.g. the service line's name). */
  title?: string;
  createdAt: number;
  attempts: number;
  lastError?: string;
}

export interface DroppedItem {
  item: OutboxItem;
  error: FriendlyError;
  at: number;
}

export interface FlushResult {
  sent: { item: OutboxItem; result: unknown }[];
  kept: OutboxItem[];
  dropped: DroppedItem[];
}

export type OutboxSender = (item: OutboxItem) => Promise<unknown>;

export interface OutboxOptions {
  storage: Storage;
  send: OutboxSender;
  /** Storage key prefix. */
  key?: string;
  now?: () => number;
}

export class Outbox {
  private readonly storage: Storage;
  private readonly send: OutboxSender;
  private readonly itemsKey: string;
  private readonly droppedKey: string;
  private readonly now: () => number;
  private flushing: Promise<FlushResult> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(opts: OutboxOptions) {
    this.storage = opts.storage;
    this.send = opts.send;
    const key = opts.key ?? 'kepu.outbox.v1';
    this.itemsKey = key;
    this.droppedKey = `${key}.dropped`;
    this.now = opts.now ?? (() => Date.now());
  }

  items(): OutboxItem[] {
    return this.read<OutboxItem>(this.itemsKey);
  }

  dropped(): DroppedItem[] {
    return this.read<DroppedItem>(this.droppedKey);
  }

  /** Queues a request once: a second add with the same request_id changes nothing. */
  add(item: Omit<OutboxItem, 'createdAt' | 'attempts'>): boolean {
    const items = this.items();
    if (items.some((i) => i.requestId === item.requestId)) return false;
    items.push({ ...item, createdAt: this.now(), attempts: 0 });
    this.write(this.itemsKey, items);
    this.changed();
    return true;
  }

  /** Forgets a dropped item after the person has seen its error. */
  dismiss(requestId: string): void {
    this.write(
      this.droppedKey,
      this.dropped().filter((d) => d.item.requestId !== requestId),
    );
    this.changed();
  }

  /** Removes a queued item without sending it (the person cancelled it). */
  remove(requestId: string): void {
    this.write(
      this.itemsKey,
      this.items().filter((i) => i.requestId !== requestId),
    );
    this.changed();
  }

  /**
   * Sends the queued items of `userId` (all when omitted), oldest first. Only one pass runs at a
   * time: a call while one runs gets that pass's result, so an `online` event and the app's start
   * never send an item twice.
   */
  flush(userId?: string): Promise<FlushResult> {
    if (!this.flushing) {
      this.flushing = this.pass(userId).finally(() => {
        this.flushing = undefined;
      });
    }
    return this.flushing;
  }

  get busy(): boolean {
    return this.flushing !== undefined;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async pass(userId?: string): Promise<FlushResult> {
    const result: FlushResult = { sent: [], kept: [], dropped: [] };
    const queue = this.items().filter((i) => userId === undefined || i.userId === userId);
    let stop = false;
    for (const item of queue) {
      if (stop) {
        result.kept.push(item);
        continue;
      }
      // Still queued? (removed by the person, or by another pass of another tab)
      if (!this.items().some((i) => i.requestId === item.requestId)) continue;
      try {
        const answer = await this.send(item);
        this.write(
          this.itemsKey,
          this.items().filter((i) => i.requestId !== item.requestId),
        );
        result.sent.push({ item, result: answer });
      } catch (err) {
        const error = describeError(err);
        if (isTransient(err)) {
          const updated = { ...item, attempts: item.attempts + 1, lastError: error.key };
          this.write(
            this.itemsKey,
            this.items().map((i) => (i.requestId === item.requestId ? updated : i)),
          );
          result.kept.push(updated);
          // No signal, server away or signed out: the rest would fail the same way.
          stop = true;
        } else {
          const dropped: DroppedItem = { item, error, at: this.now() };
          this.write(
            this.itemsKey,
            this.items().filter((i) => i.requestId !== item.requestId),
          );
          this.write(this.droppedKey, [...this.dropped(), dropped]);
          result.dropped.push(dropped);
        }
      }
      this.changed();
    }
    return result;
  }

  private read<T>(key: string): T[] {
    try {
      const raw = this.storage.getItem(key);
      const v = raw ? JSON.parse(raw) : [];
      return Array.isArray(v) ? (v as T[]) : [];
    } catch {
      return [];
    }
  }

  private write(key: string, value: unknown[]): void {
    if (value.length === 0) this.storage.removeItem(key);
    else this.storage.setItem(key, JSON.stringify(value));
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/**
 * Flushes the outbox when the browser comes back online, and once now if it has signal.
 * Returns a function that stops listening.
 */
export function syncOutboxWhenOnline(
  outbox: Outbox,
  opts: {
    target: Pick<Window, 'addEventListener' | 'removeEventListener'>;
    isOnline: () => boolean;
    userId: () => string | undefined;
    onResult?: (r: FlushResult) => void;
  },
): () => void {
  const run = () => {
    const user = opts.userId();
    if (!user || !opts.isOnline()) return;
    if (!outbox.items().some((i) => i.userId === user)) return;
    void outbox.flush(user).then((r) => opts.onResult?.(r));
  };
  opts.target.addEventListener('online', run);
  run();
  return () => opts.target.removeEventListener('online', run);
}
