// One submit of one form: the request id is made on the first press and reused by every retry
// until the server accepts the request (the server is idempotent under request_id).
import { ref } from 'vue';
import { describeError, isRequestIdConflict, type FriendlyError } from '@/lib/errors';
import { RequestIdSlot } from '@/lib/requestId';

export interface SubmitOptions {
  /** Keep the pending request id across reloads under this localStorage key. */
  storageKey?: string;
}

export function useSubmit<T>(action: (requestId: string) => Promise<T>, opts: SubmitOptions = {}) {
  const slot = new RequestIdSlot(opts.storageKey);
  const pending = ref(false);
  const error = ref<FriendlyError | null>(null);
  const lastError = ref<unknown>(null);

  /** Runs the action; resolves to its result, or undefined when it failed (see `error`). */
  async function run(): Promise<T | undefined> {
    if (pending.value) return undefined;
    pending.value = true;
    error.value = null;
    lastError.value = null;
    try {
      const result = await action(slot.current());
      slot.succeeded();
      return result;
    } catch (err) {
      error.value = describeError(err);
      lastError.value = err;
      // The id was already used with other content (an earlier try went through before the
      // person changed the form): a fresh id for the next try.
      if (isRequestIdConflict(err)) slot.discard();
      return undefined;
    } finally {
      pending.value = false;
    }
  }

  return {
    run,
    pending,
    error,
    lastError,
    /** The id the next try will use. */
    requestId: () => slot.current(),
    /** Drop the id (form reset, or the request went into the outbox). */
    reset: () => slot.discard(),
    slot,
  };
}
