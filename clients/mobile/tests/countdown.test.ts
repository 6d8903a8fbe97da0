import { mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import CountdownText from '@/components/CountdownText.vue';
import { makeI18n } from '@/i18n';
import { countdownParts, formatCountdown, HOUR, MINUTE, SECOND, DAY } from '@/lib/countdown';

const zh = makeI18n('zh-CN').global.t as unknown as (k: string, p?: Record<string, unknown>) => string;
const en = makeI18n('en').global.t as unknown as (k: string, p?: Record<string, unknown>) => string;

describe('countdown formatting', () => {
  it('shows the two largest units', () => {
    expect(formatCountdown(2 * DAY + 3 * HOUR + 5 * MINUTE, zh)).toBe('剩余 2天3小时');
    expect(formatCountdown(2 * DAY + 3 * HOUR + 5 * MINUTE, en)).toBe('2d 3h left');
    expect(formatCountdown(3 * HOUR + 5 * MINUTE + 9 * SECOND, zh)).toBe('剩余 3小时05分');
    expect(formatCountdown(3 * HOUR + 5 * MINUTE, en)).toBe('3h 05m left');
    expect(formatCountdown(4 * MINUTE + 7 * SECOND, zh)).toBe('剩余 4分07秒');
    expect(formatCountdown(59 * SECOND, en)).toBe('0m 59s left');
  });

  it('says how long a deadline is overdue', () => {
    expect(formatCountdown(-(1 * HOUR + 2 * MINUTE), zh)).toBe('已超时 1小时02分');
    expect(formatCountdown(-(1 * HOUR + 2 * MINUTE), en)).toBe('overdue by 1h 02m');
    expect(formatCountdown(-1 * DAY, en)).toBe('overdue by 1d 0h');
  });

  it('rounds so that zero shows only at the deadline', () => {
    expect(countdownParts(400).seconds).toBe(1);
    expect(countdownParts(0)).toMatchObject({ overdue: false, seconds: 0 });
    expect(countdownParts(-400)).toMatchObject({ overdue: true, seconds: 0 });
    expect(countdownParts(-1400)).toMatchObject({ overdue: true, seconds: 1 });
  });

  it('grades urgency', () => {
    expect(countdownParts(7 * HOUR).urgency).toBe('normal');
    expect(countdownParts(5 * HOUR).urgency).toBe('soon');
    expect(countdownParts(30 * MINUTE).urgency).toBe('urgent');
    expect(countdownParts(-1).urgency).toBe('overdue');
  });

  it('the component ticks every second and turns overdue', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    const due = new Date('2026-12-01T10:00:02Z');
    const w = mount(CountdownText, { props: { due, testid: 'cd' }, global: { plugins: [makeI18n('en')] } });
    expect(w.text()).toBe('0m 02s left');
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.text()).toBe('0m 01s left');
    await vi.advanceTimersByTimeAsync(2000);
    expect(w.text()).toBe('overdue by 0m 01s');
    expect(w.get('[data-testid=cd]').attributes('data-urgency')).toBe('overdue');
    w.unmount();
  });
});
