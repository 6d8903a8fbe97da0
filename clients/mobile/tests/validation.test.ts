import { describe, expect, it } from 'vitest';
import { Audience } from '@/gen/kepu/v1/common_pb';
import { buildCreateOrderRequest, defaultWindow, formFieldOf } from '@/lib/orderForm';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import {
  checkHours,
  checkMobile,
  checkPassword,
  checkWindows,
  emptyOrderForm,
  normalizeMobile,
  validateCompletion,
  validateOrderForm,
  validateRating,
  validateRegister,
  type OrderFormValues,
} from '@/lib/validation';

const now = new Date(2026, 11, 1, 10, 0); // 2026-12-01 10:00 local

function good(): OrderFormValues {
  return {
    ...emptyOrderForm(),
    serviceLineId: 'elderly-smart-help',
    communityId: 'rencheng-guhuai-zhuyuan',
    address: '竹竿巷社区党群服务中心',
    audience: Audience.ELDERLY,
    attendees: '30',
    windows: [{ date: '2026-12-08', start: '09:00', end: '11:00' }],
    description: '老年人防范电信诈骗讲座',
    contactName: '潘文',
    contactPhone: '13900000001',
  };
}

describe('order form validation', () => {
  it('accepts a complete form', () => {
    expect(validateOrderForm(good(), { now })).toEqual({});
  });

  it('names every missing required field', () => {
    const e = validateOrderForm({ ...emptyOrderForm(), windows: [] }, { now });
    expect(Object.keys(e).sort()).toEqual(
      ['address', 'attendees', 'audience', 'communityId', 'contactName', 'contactPhone', 'serviceLineId', 'windows'].sort(),
    );
    expect(e.address.key).toBe('validation.required');
  });

  it('checks lengths in characters, not bytes', () => {
    expect(validateOrderForm({ ...good(), address: '址'.repeat(200) }, { now })).toEqual({});
    expect(validateOrderForm({ ...good(), address: '址'.repeat(201) }, { now }).address).toEqual({ key: 'validation.maxChars', params: { max: 200 } });
    expect(validateOrderForm({ ...good(), serviceName: '服'.repeat(41) }, { now }).serviceName?.key).toBe('validation.maxChars');
    expect(validateOrderForm({ ...good(), address: '一行\n两行' }, { now }).address?.key).toBe('validation.oneLine');
    expect(validateOrderForm({ ...good(), description: '一行\n两行' }, { now }).description).toBeUndefined();
  });

  it('attendees are a whole number from 1 to 5000', () => {
    expect(validateOrderForm({ ...good(), attendees: '0' }, { now }).attendees?.key).toBe('validation.range');
    expect(validateOrderForm({ ...good(), attendees: '5001' }, { now }).attendees?.key).toBe('validation.range');
    expect(validateOrderForm({ ...good(), attendees: '2.5' }, { now }).attendees?.key).toBe('validation.integer');
    expect(validateOrderForm({ ...good(), attendees: 5000 }, { now }).attendees).toBeUndefined();
  });

  it('mainland mobile numbers, with +86 and spaces allowed', () => {
    expect(normalizeMobile('+86 139 0000 0001')).toBe('13900000001');
    expect(normalizeMobile('12900000001')).toBeUndefined();
    expect(normalizeMobile('1390000000')).toBeUndefined();
    expect(checkMobile('')?.key).toBe('validation.required');
    expect(checkMobile('', false)).toBeUndefined();
    expect(validateOrderForm({ ...good(), contactPhone: '12345' }, { now }).contactPhone?.key).toBe('validation.mobile');
  });

  it('assisted orders need the resident\'s name', () => {
    expect(validateOrderForm(good(), { now, assisted: true }).onBehalfName?.key).toBe('validation.required');
    expect(validateOrderForm({ ...good(), onBehalfName: '王大爷' }, { now, assisted: true })).toEqual({});
    expect(validateOrderForm({ ...good(), onBehalfName: '王大爷', onBehalfPhone: '123' }, { now, assisted: true }).onBehalfPhone?.key).toBe('validation.mobile');
  });
});

describe('time windows', () => {
  const w = (date: string, start: string, end: string) => ({ date, start, end });
  it('one to three, each 30 minutes to 12 hours, in the future, within 180 days, not overlapping', () => {
    expect(checkWindows([], now).errors.windows.key).toBe('validation.windowsCount');
    expect(checkWindows([w('2026-12-08', '09:00', '11:00'), w('2026-12-09', '09:00', '11:00'), w('2026-12-10', '09:00', '11:00'), w('2026-12-11', '09:00', '11:00')], now).errors.windows.key).toBe('validation.windowsCount');
    expect(checkWindows([w('2026-12-08', '09:00', '09:20')], now).errors['windows.0'].key).toBe('validation.windowLength');
    expect(checkWindows([w('2026-12-08', '11:00', '09:00')], now).errors['windows.0'].key).toBe('validation.windowLength');
    expect(checkWindows([w('2026-12-08', '06:00', '19:00')], now).errors['windows.0'].key).toBe('validation.windowLength');
    expect(checkWindows([w('2026-12-01', '09:00', '11:00')], now).errors['windows.0'].key).toBe('validation.windowPast');
    expect(checkWindows([w('2027-06-30', '09:00', '11:00')], now).errors['windows.0'].key).toBe('validation.windowTooFar');
    expect(checkWindows([w('2026-12-08', '', '11:00')], now).errors['windows.0'].key).toBe('validation.windowIncomplete');
    expect(checkWindows([w('2026-12-08', '09:00', '11:00'), w('2026-12-08', '10:30', '12:00')], now).errors.windows.key).toBe('validation.windowOverlap');
    expect(checkWindows([w('2026-12-08', '09:00', '11:00'), w('2026-12-08', '11:00', '12:00')], now).errors).toEqual({});
  });

  it('the default window is valid', () => {
    expect(checkWindows([defaultWindow(now)], now).errors).toEqual({});
  });
});

describe('other forms', () => {
  it('password: 8+ characters with a letter and a digit', () => {
    expect(checkPassword('resident2026')).toBeUndefined();
    expect(checkPassword('short1')?.key).toBe('validation.password');
    expect(checkPassword('onlyletters')?.key).toBe('validation.password');
    expect(checkPassword('12345678')?.key).toBe('validation.password');
    expect(Object.keys(validateRegister({ phone: '1', password: 'x', displayName: '' })).sort()).toEqual(['displayName', 'password', 'phone']);
  });

  it('ratings are 1 to 5 stars each', () => {
    expect(validateRating({ overall: 5, punctuality: 4, content: 3, attitude: 1, comment: '' })).toEqual({});
    expect(Object.keys(validateRating({ overall: 0, punctuality: 6, content: 3, attitude: 3, comment: '' })).sort()).toEqual(['overall', 'punctuality']);
  });

  it('hours are 0.5 to 24 in steps of 0.5; empty means did not take part', () => {
    expect(checkHours('2.5')).toBeUndefined();
    expect(checkHours('0.3')?.key).toBe('validation.hours');
    expect(checkHours('25')?.key).toBe('validation.hours');
    expect(checkHours('1.25')?.key).toBe('validation.hours');
    expect(validateCompletion({ actualAttendees: '28', summary: '讲解', hours: { v1: '2.5', v2: '' } })).toEqual({});
    expect(Object.keys(validateCompletion({ actualAttendees: '', summary: ' ', hours: { v1: 'x' } })).sort()).toEqual(['actualAttendees', 'hours.v1', 'summary']);
  });
});

describe('form → request', () => {
  it('builds the CreateOrderRequest with sorted windows and normalised phone', () => {
    const f = { ...good(), contactPhone: '+86 139 0000 0001', windows: [{ date: '2026-12-09', start: '14:00', end: '16:00' }, { date: '2026-12-08', start: '09:00', end: '11:00' }] };
    const req = buildCreateOrderRequest(f, { requestId: 'rid-12345678', now });
    expect(req.requestId).toBe('rid-12345678');
    expect(req.draft?.contact?.phone).toBe('13900000001');
    expect(req.draft?.expectedAttendees).toBe(30);
    expect(req.draft?.audience).toBe(Audience.ELDERLY);
    const starts = req.draft!.preferredWindows.map((w) => timestampDate(w.start!).getTime());
    expect(starts).toEqual([new Date(2026, 11, 8, 9, 0).getTime(), new Date(2026, 11, 9, 14, 0).getTime()]);
    expect(req.onBehalfOf).toBeUndefined();
    const assisted = buildCreateOrderRequest({ ...f, onBehalfName: ' 王大爷 ' }, { requestId: 'rid-12345678', now, assisted: true });
    expect(assisted.onBehalfOf?.name).toBe('王大爷');
  });

  it('maps server field paths onto the form', () => {
    expect(formFieldOf('draft.contact.phone')).toBe('contactPhone');
    expect(formFieldOf('draft.preferred_windows[1].start')).toBe('windows.1');
    expect(formFieldOf('draft.preferred_windows')).toBe('windows');
    expect(formFieldOf('on_behalf_of.name')).toBe('onBehalfName');
    expect(formFieldOf('request_id')).toBeUndefined();
  });
});
