import { describe, expect, it } from 'vitest';
import { clearDraft, loadDraft, saveDraft } from '@/lib/orderDraft';
import { emptyOrderForm } from '@/lib/validation';

const KEY = 'kepu.form.order.own.u';
const now = new Date(2026, 11, 5, 10, 0);

describe('order drafts', () => {
  it('keeps a saved form; drops the windows that started before now, keeps future and unfinished ones', () => {
    const form = {
      ...emptyOrderForm(),
      address: '竹竿巷',
      windows: [
        { date: '2026-12-04', start: '09:00', end: '11:00' },
        { date: '2026-12-05', start: '09:30', end: '11:00' },
        { date: '2026-12-05', start: '10:30', end: '12:00' },
        { date: '2026-12-09', start: '', end: '' },
      ],
    };
    saveDraft(KEY, { form, communityLabel: '竹园社区' });
    const d = loadDraft(KEY, now);
    expect(d?.communityLabel).toBe('竹园社区');
    expect(d?.form.address).toBe('竹竿巷');
    expect(d?.form.windows).toEqual([
      { date: '2026-12-05', start: '10:30', end: '12:00' },
      { date: '2026-12-09', start: '', end: '' },
    ]);
  });

  it('nothing, garbage, or an unversioned entry with nothing typed is no draft (and is removed)', () => {
    expect(loadDraft(KEY, now)).toBeUndefined();
    localStorage.setItem(KEY, '{not json');
    expect(loadDraft(KEY, now)).toBeUndefined();
    expect(localStorage.getItem(KEY)).toBeNull();
    localStorage.setItem(KEY, JSON.stringify({ form: { ...emptyOrderForm(), contactName: '潘文', windows: [{ date: '2026-12-08', start: '09:00', end: '11:00' }] }, communityLabel: '' }));
    expect(loadDraft(KEY, now)).toBeUndefined();
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it('an unversioned entry with typed text is still restored', () => {
    localStorage.setItem(KEY, JSON.stringify({ form: { ...emptyOrderForm(), description: '讲座' }, communityLabel: '' }));
    expect(loadDraft(KEY, now)?.form.description).toBe('讲座');
    clearDraft(KEY);
    expect(localStorage.getItem(KEY)).toBeNull();
  });
});
