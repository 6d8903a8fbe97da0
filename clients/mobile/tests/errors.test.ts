import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { makeI18n } from '@/i18n';
import {
  describeError,
  fieldLabelKey,
  formatError,
  isNetworkError,
  isTransient,
  parseFieldMessage,
} from '@/lib/errors';

const zh = makeI18n('zh-CN').global.t as unknown as (k: string, p?: Record<string, unknown>) => string;
const en = makeI18n('en').global.t as unknown as (k: string, p?: Record<string, unknown>) => string;

describe('error codes → friendly messages', () => {
  const cases: [Code, string][] = [
    [Code.InvalidArgument, 'invalid'],
    [Code.Unauthenticated, 'unauthenticated'],
    [Code.PermissionDenied, 'permission'],
    [Code.NotFound, 'notFound'],
    [Code.AlreadyExists, 'exists'],
    [Code.Aborted, 'changed'],
    [Code.FailedPrecondition, 'notAllowedNow'],
    [Code.ResourceExhausted, 'tooMany'],
    [Code.Unavailable, 'unavailable'],
    [Code.DeadlineExceeded, 'timeout'],
    [Code.Unimplemented, 'unimplemented'],
    [Code.Internal, 'internal'],
    [Code.Unknown, 'internal'],
    [Code.DataLoss, 'internal'],
    [Code.Canceled, 'cancelled'],
    [Code.OutOfRange, 'invalid'],
  ];
  it.each(cases)('code %s → %s, with text in both languages', (code, kind) => {
    const e = describeError(new ConnectError('x', code));
    expect(e.kind).toBe(kind);
    expect(e.key).toBe(`errors.${kind}`);
    expect(zh(e.key)).not.toBe(e.key);
    expect(en(e.key)).not.toBe(e.key);
  });

  it('a failed fetch is a network error, not a server error', () => {
    const wrapped = new ConnectError('[unknown] Failed to fetch', Code.Unknown, undefined, undefined, new TypeError('Failed to fetch'));
    expect(isNetworkError(wrapped)).toBe(true);
    expect(describeError(wrapped).kind).toBe('network');
    expect(describeError(new TypeError('Failed to fetch')).kind).toBe('network');
    expect(isNetworkError(new ConnectError('boom', Code.Internal))).toBe(false);
  });

  it('INVALID_ARGUMENT names the field and keeps the server detail', () => {
    const e = describeError(
      new ConnectError('draft.contact.phone: must be a mainland mobile number: 11 digits starting 13 to 19', Code.InvalidArgument),
    );
    expect(e.field).toBe('draft.contact.phone');
    expect(e.fieldKey).toBe('fields.contactPhone');
    expect(e.detail).toBe('must be a mainland mobile number: 11 digits starting 13 to 19');
    expect(formatError(e, zh)).toBe('“联系电话”有误：must be a mainland mobile number: 11 digits starting 13 to 19');
    expect(formatError(e, en)).toBe('Contact phone: must be a mainland mobile number: 11 digits starting 13 to 19');
  });

  it('indexed and unknown paths fall back sensibly', () => {
    expect(parseFieldMessage('draft.preferred_windows[1].start: must be in the future')).toEqual({
      field: 'draft.preferred_windows[1].start',
      detail: 'must be in the future',
    });
    expect(fieldLabelKey('draft.preferred_windows[1].start')).toBe('fields.windows');
    expect(fieldLabelKey('something.else')).toBeUndefined();
    const e = describeError(new ConnectError('zzz.yyy: bad', Code.InvalidArgument));
    expect(formatError(e, en)).toBe('zzz.yyy: bad');
    expect(parseFieldMessage('no field here')).toBeUndefined();
  });

  it('transient failures are kept for a retry, the rest are not', () => {
    expect(isTransient(new TypeError('Failed to fetch'))).toBe(true);
    for (const c of [Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Unauthenticated, Code.Aborted])
      expect(isTransient(new ConnectError('x', c))).toBe(true);
    for (const c of [Code.InvalidArgument, Code.PermissionDenied, Code.FailedPrecondition, Code.NotFound, Code.Internal])
      expect(isTransient(new ConnectError('x', c))).toBe(false);
  });
});
