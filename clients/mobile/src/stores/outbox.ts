// The app's outbox (lib/outbox.ts) over localStorage, sending CreateOrder with the request's own
// request_id. `outboxState` mirrors it for the screens.
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { reactive } from 'vue';
import { api } from '@/api/client';
import { CreateOrderRequestSchema } from '@/gen/kepu/v1/orders_pb';
import { Outbox, type DroppedItem, type OutboxItem } from '@/lib/outbox';

export async function sendOutboxItem(item: OutboxItem): Promise<unknown> {
  switch (item.kind) {
    case 'createOrder': {
      const req = fromJson(CreateOrderRequestSchema, item.payload as JsonValue);
      // The request_id the order was given when it was written, never a new one.
      req.requestId = item.requestId;
      return api().orders.createOrder(req);
    }
    default:
      throw new Error(`unknown outbox item ${String((item as OutboxItem).kind)}`);
  }
}

export const outbox = new Outbox({ storage: globalThis.localStorage, send: sendOutboxItem });

export const outboxState = reactive({
  items: [] as OutboxItem[],
  dropped: [] as DroppedItem[],
});

function refresh() {
  outboxState.items = outbox.items();
  outboxState.dropped = outbox.dropped();
}
outbox.subscribe(refresh);
refresh();

// Another tab changed the outbox.
globalThis.addEventListener?.('storage', (e: StorageEvent) => {
  if (e.key?.startsWith('kepu.outbox')) refresh();
});
