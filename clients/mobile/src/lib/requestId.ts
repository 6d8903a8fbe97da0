// Request ids (common.proto): 8 to 64 characters of [A-Za-z0-9_-]. The server answers a repeated
// request_id with the first result and writes nothing, so a form keeps one id from its first
// submit until the server has accepted it: a retry after a dropped connection reuses it.

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

export function newRequestId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The request id of one form. `current()` hands out the same id until `succeeded()` (or
 * `discard()`); with a storage key the id also survives a reload of the page.
 */
export class RequestIdSlot {
  private id: string | undefined;

  constructor(
    private readonly storageKey?: string,
    private readonly storage: Storage | undefined = typeof localStorage === 'undefined'
      ? undefined
      : localStorage,
  ) {
    if (storageKey && this.storage) {
      const saved = this.storage.getItem(storageKey);
      if (saved && REQUEST_ID_PATTERN.test(saved)) this.id = saved;
    }
  }

  /** The id of this form's submit: made on first use, then the same until success. */
  current(): string {
    if (!this.id) {
      this.id = newRequestId();
      if (this.storageKey && this.storage) this.storage.setItem(this.storageKey, this.id);
    }
    return this.id;
  }

  /** Whether an id has been handed out and not yet confirmed. */
  get pending(): boolean {
    return this.id !== undefined;
  }

  /** The server accepted the request: the next submit is a new request. */
  succeeded(): void {
    this.discard();
  }

  /** Forget the id (the form was reset, or the id went with the request into the outbox). */
  discard(): void {
    this.id = undefined;
    if (this.storageKey && this.storage) this.storage.removeItem(this.storageKey);
  }
}
