// Subscribes a screen to live order events while it is shown.
import { onBeforeUnmount, onMounted, ref } from 'vue';
import type { OrderEvent } from '@/gen/kepu/v1/order_pb';
import { watchStream, type StreamHandle, type StreamPath, type StreamStatus } from '@/lib/sse';
import { session } from '@/stores/session';

export function useOrderWatch(
  path: StreamPath,
  params: () => Record<string, string | undefined>,
  onEvent: (ev: OrderEvent) => void,
) {
  const status = ref<StreamStatus>('closed');
  let handle: StreamHandle | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let generation = 0;
  // Once live, a new connection (after the browser gave up, or back online) is a reconnection.
  let wasLive = false;

  function start() {
    if (stopped || typeof EventSource === 'undefined') return;
    const gen = ++generation;
    handle?.close();
    handle = watchStream(path, params(), session.token || undefined, {
      onEvent,
      onStatus: (s) => {
        if (gen !== generation || stopped) return;
        if (s === 'live') wasLive = true;
        status.value = s === 'connecting' && wasLive ? 'reconnecting' : s;
        // The browser gave up (e.g. the server refused the stream): try again a bit later.
        if (s === 'closed' && !stopped && !retry) {
          retry = setTimeout(() => {
            retry = undefined;
            start();
          }, 15000);
        }
      },
    });
  }

  function restart() {
    start();
  }

  // Back online: reconnect at once rather than after the browser's own back-off.
  const onOnline = () => {
    if (status.value !== 'live') start();
  };
  onMounted(() => {
    start();
    globalThis.addEventListener?.('online', onOnline);
  });
  onBeforeUnmount(() => {
    globalThis.removeEventListener?.('online', onOnline);
    stopped = true;
    if (retry) clearTimeout(retry);
    handle?.close();
  });
  return { status, restart };
}
