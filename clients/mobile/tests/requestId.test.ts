import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { api } from '@/api/client';
import { useSubmit } from '@/composables/useSubmit';
import { OrderSchema } from '@/gen/kepu/v1/order_pb';
import { OrderService } from '@/gen/kepu/v1/orders_pb';
import { newRequestId, REQUEST_ID_PATTERN, RequestIdSlot } from '@/lib/requestId';
import { useFakeServer } from './helpers';

describe('request ids', () => {
  it('are valid for the server and distinct', () => {
    const a = newRequestId();
    const b = newRequestId();
    expect(a).toMatch(REQUEST_ID_PATTERN);
    expect(b).toMatch(REQUEST_ID_PATTERN);
    expect(a).not.toBe(b);
  });

  it('a slot keeps one id until success, then makes a new one', () => {
    const slot = new RequestIdSlot();
    const first = slot.current();
    expect(slot.current()).toBe(first);
    expect(slot.pending).toBe(true);
    slot.succeeded();
    expect(slot.pending).toBe(false);
    const second = slot.current();
    expect(second).not.toBe(first);
  });

  it('a slot with a storage key survives a reload of the page', () => {
    const a = new RequestIdSlot('form.x');
    const id = a.current();
    const b = new RequestIdSlot('form.x');
    expect(b.current()).toBe(id);
    b.succeeded();
    expect(localStorage.getItem('form.x')).toBeNull();
    expect(new RequestIdSlot('form.x').current()).not.toBe(id);
  });
});

describe('useSubmit', () => {
  it('a retry after a failure reuses the request id; after success the next submit gets a new one', async () => {
    const seen: string[] = [];
    let fail = true;
    const s = useSubmit(async (rid) => {
      seen.push(rid);
      if (fail) throw new ConnectError('down', Code.Unavailable);
      return 'ok';
    });
    expect(await s.run()).toBeUndefined();
    expect(s.error.value?.kind).toBe('unavailable');
    expect(await s.run()).toBeUndefined();
    fail = false;
    expect(await s.run()).toBe('ok');
    expect(s.error.value).toBeNull();
    expect(await s.run()).toBe('ok');
    expect(seen[0]).toBe(seen[1]);
    expect(seen[1]).toBe(seen[2]);
    expect(seen[3]).not.toBe(seen[2]);
  });

  it('a request id the server says was used with other content is replaced', async () => {
    const seen: string[] = [];
    const s = useSubmit(async (rid) => {
      seen.push(rid);
      if (seen.length === 1) throw new ConnectError('request_id: was used with other content', Code.InvalidArgument);
      return 1;
    });
    await s.run();
    expect(s.error.value?.field).toBe('request_id');
    await s.run();
    expect(seen[1]).not.toBe(seen[0]);
  });

  it('a second press while the first is in flight sends nothing', async () => {
    let calls = 0;
    let release!: () => void;
    const s = useSubmit(() => {
      calls++;
      return new Promise<void>((r) => (release = r));
    });
    const first = s.run();
    await s.run();
    expect(calls).toBe(1);
    release();
    await first;
  });

  it('through the Connect client, the server sees the same request_id on the retry', async () => {
    const ids: string[] = [];
    let attempt = 0;
    useFakeServer((r) =>
      r.service(OrderService, {
        createOrder(req) {
          ids.push(req.requestId);
          attempt++;
          if (attempt === 1) throw new ConnectError('redis timeout', Code.Unavailable);
          return create(OrderSchema, { id: 'o1', version: 1n });
        },
      }),
    );
    const s = useSubmit((requestId) => api().orders.createOrder({ requestId }));
    expect(await s.run()).toBeUndefined();
    const order = await s.run();
    expect(order?.id).toBe('o1');
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });
});
