import { create, toJson } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it, vi } from 'vitest';
import { OrderSchema } from '@/gen/kepu/v1/order_pb';
import { CreateOrderRequestSchema, OrderService } from '@/gen/kepu/v1/orders_pb';
import { Outbox, syncOutboxWhenOnline, type OutboxItem } from '@/lib/outbox';
import { sendOutboxItem } from '@/stores/outbox';
import { useFakeServer } from './helpers';

const item = (requestId: string, userId = 'u1') => ({
  requestId,
  kind: 'createOrder' as const,
  userId,
  payload: { requestId, draft: { address: 'x' } },
  title: 't',
});

function makeOutbox(send: (i: OutboxItem) => Promise<unknown>) {
  return new Outbox({ storage: localStorage, send, key: 'test.outbox', now: () => 1000 });
}

describe('offline outbox', () => {
  it('queues a request once per request_id', () => {
    const ob = makeOutbox(async () => {});
    expect(ob.add(item('req-00000001'))).toBe(true);
    expect(ob.add(item('req-00000001'))).toBe(false);
    expect(ob.items()).toHaveLength(1);
    expect(ob.items()[0]).toMatchObject({ requestId: 'req-00000001', attempts: 0, createdAt: 1000 });
  });

  it('survives a reload (kept in storage)', () => {
    makeOutbox(async () => {}).add(item('req-00000001'));
    expect(makeOutbox(async () => {}).items().map((i) => i.requestId)).toEqual(['req-00000001']);
  });

  it('sends each item once with its original request_id and removes it on success', async () => {
    const send = vi.fn(async (i: OutboxItem) => ({ id: `order-of-${i.requestId}` }));
    const ob = makeOutbox(send);
    ob.add(item('req-00000001'));
    ob.add(item('req-00000002'));
    const r = await ob.flush('u1');
    expect(send).toHaveBeenCalledTimes(2);
    expect(send.mock.calls.map(([i]) => i.requestId)).toEqual(['req-00000001', 'req-00000002']);
    expect(r.sent.map((s) => s.result)).toEqual([{ id: 'order-of-req-00000001' }, { id: 'order-of-req-00000002' }]);
    expect(ob.items()).toEqual([]);
    await ob.flush('u1');
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('keeps the item when the network fails, and stops trying the rest', async () => {
    const send = vi.fn(async () => {
      throw new ConnectError('[unknown] Failed to fetch', Code.Unknown, undefined, undefined, new TypeError('Failed to fetch'));
    });
    const ob = makeOutbox(send);
    ob.add(item('req-00000001'));
    ob.add(item('req-00000002'));
    const r = await ob.flush('u1');
    expect(send).toHaveBeenCalledTimes(1);
    expect(r.kept.map((i) => i.requestId)).toEqual(['req-00000001', 'req-00000002']);
    expect(ob.items()).toHaveLength(2);
    expect(ob.items()[0]).toMatchObject({ attempts: 1, lastError: 'errors.network' });
    expect(ob.dropped()).toEqual([]);
  });

  it('a later flush sends the kept item with the same request_id', async () => {
    let online = false;
    const ids: string[] = [];
    const ob = makeOutbox(async (i) => {
      ids.push(i.requestId);
      if (!online) throw new ConnectError('gateway down', Code.Unavailable);
    });
    ob.add(item('req-00000001'));
    await ob.flush('u1');
    online = true;
    await ob.flush('u1');
    expect(ids).toEqual(['req-00000001', 'req-00000001']);
    expect(ob.items()).toEqual([]);
  });

  it('drops an item that fails for good and keeps the error to show', async () => {
    const ob = makeOutbox(async (i) => {
      if (i.requestId === 'req-00000001')
        throw new ConnectError('draft.address: must be 1 to 200 characters (has 0)', Code.InvalidArgument);
      return {};
    });
    ob.add(item('req-00000001'));
    ob.add(item('req-00000002'));
    const r = await ob.flush('u1');
    expect(r.dropped).toHaveLength(1);
    expect(r.sent).toHaveLength(1);
    expect(ob.items()).toEqual([]);
    const [d] = ob.dropped();
    expect(d.item.requestId).toBe('req-00000001');
    expect(d.error).toMatchObject({ kind: 'invalid', field: 'draft.address' });
    ob.dismiss('req-00000001');
    expect(ob.dropped()).toEqual([]);
  });

  it('sends only the signed-in account\'s items', async () => {
    const send = vi.fn(async () => ({}));
    const ob = makeOutbox(send);
    ob.add(item('req-00000001', 'u1'));
    ob.add(item('req-00000002', 'u2'));
    await ob.flush('u2');
    expect(send).toHaveBeenCalledTimes(1);
    expect(ob.items().map((i) => i.requestId)).toEqual(['req-00000001']);
  });

  it('two flushes at once (online event and app start) send an item once', async () => {
    let release!: () => void;
    const send = vi.fn(() => new Promise<void>((r) => (release = r)));
    const ob = makeOutbox(send);
    ob.add(item('req-00000001'));
    const a = ob.flush('u1');
    const b = ob.flush('u1');
    expect(a).toBe(b);
    release();
    await Promise.all([a, b]);
    expect(send).toHaveBeenCalledTimes(1);
    expect(ob.items()).toEqual([]);
  });

  it('flushes when the browser comes back online, not while offline', async () => {
    const send = vi.fn(async () => ({}));
    const ob = makeOutbox(send);
    ob.add(item('req-00000001'));
    const target = new EventTarget();
    let online = false;
    const stop = syncOutboxWhenOnline(ob, {
      target: target as unknown as Window,
      isOnline: () => online,
      userId: () => 'u1',
    });
    await Promise.resolve();
    expect(send).not.toHaveBeenCalled();
    online = true;
    target.dispatchEvent(new Event('online'));
    await ob.flush('u1'); // joins the pass the event started
    expect(ob.items()).toEqual([]);
    expect(send).toHaveBeenCalledTimes(1);
    stop();
    ob.add(item('req-00000002'));
    target.dispatchEvent(new Event('online'));
    await Promise.resolve();
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('flushes at start when the app starts with signal', async () => {
    const send = vi.fn(async () => ({}));
    const ob = makeOutbox(send);
    ob.add(item('req-00000001'));
    syncOutboxWhenOnline(ob, { target: new EventTarget() as unknown as Window, isOnline: () => true, userId: () => 'u1' });
    expect(ob.busy).toBe(true);
    await ob.flush('u1');
    expect(send).toHaveBeenCalledTimes(1);
    expect(ob.items()).toEqual([]);
  });

  it('the app sender puts the queued request_id on the wire', async () => {
    const seen: string[] = [];
    useFakeServer((r) =>
      r.service(OrderService, {
        createOrder(req) {
          seen.push(req.requestId);
          expect(req.draft?.address).toBe('竹竿巷社区党群服务中心');
          return create(OrderSchema, { id: 'o1' });
        },
      }),
    );
    const req = create(CreateOrderRequestSchema, { requestId: 'queued-id-123', draft: { address: '竹竿巷社区党群服务中心' } });
    await sendOutboxItem({
      requestId: 'queued-id-123',
      kind: 'createOrder',
      userId: 'u1',
      payload: toJson(CreateOrderRequestSchema, req),
      createdAt: 0,
      attempts: 0,
    });
    expect(seen).toEqual(['queued-id-123']);
  });
});
