// The four-role walkthrough (TESTING.md) driven through the app in a phone-sized Chromium — the
// script the steps of TESTING.md were checked with. Not part of `npm test` and not a dependency:
// it needs `playwright-core` (npm i --no-save playwright-core) and a Chromium binary.
//   BASE=http://127.0.0.1:8180 CHROMIUM=/usr/bin/chromium node scripts/walkthrough.mjs
import { chromium } from 'playwright-core';
const BASE = process.env.BASE ?? 'http://127.0.0.1:8180';
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const log = (...a) => console.log(new Date().toISOString().slice(11, 19), ...a);
async function person(phone, password) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') log('console', phone, m.text()); });
  page.on('pageerror', (e) => log('pageerror', phone, e.message));
  await page.goto(BASE + '/');
  await page.getByTestId('login-phone').fill(phone);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  log('signed in', phone, page.url());
  return page;
}
const state = (page) => page.getByTestId('order-state');
async function expectState(page, s) {
  await page.locator(`[data-testid=order-state][data-state=${s}]`).waitFor({ timeout: 15000 });
  log('state', s);
}

const resident = await person('13900000001', 'resident2026');
await resident.getByTestId('tabbar-catalog').click();
await resident.getByTestId('catalog-order-elderly-smart-help').click();
await resident.getByTestId('order-community').click();
await resident.getByTestId('region-option-rencheng').click();
await resident.getByTestId('region-option-rencheng-guhuai').click();
await resident.getByTestId('region-option-rencheng-guhuai-zhuyuan').click();
await resident.getByTestId('order-example-1').click().catch(() => log('no example 1'));
await resident.getByTestId('order-address').fill('竹竿巷社区党群服务中心');
await resident.getByTestId('order-attendees').fill('30');
await resident.getByTestId('order-description').fill('老年人防范电信诈骗讲座');
await resident.getByTestId('order-submit').click();
await resident.waitForURL(/\/r\/orders\/[0-9A-Z]{26}$/);
const orderId = resident.url().split('/').pop();
log('order', orderId);
await expectState(resident, 'SUBMITTED');

const worker = await person('13800010001', 'worker2026');
await worker.getByTestId('queue-community-rencheng-guhuai-zhuyuan').click();
await worker.getByTestId(`order-card-${orderId}`).click();
await worker.getByTestId('action-dispatch').click();
await worker.getByTestId('dispatch-dept-minzheng').click();
await worker.getByTestId('dispatch-submit').click();
await expectState(worker, 'DISPATCHED');
// the resident's page follows live
await expectState(resident, 'DISPATCHED');

const clerk = await person('13800020008', 'dept2026');
await clerk.getByTestId(`order-card-${orderId}`).click();
await clerk.getByTestId('action-claim').click();
await expectState(clerk, 'CLAIMED');
await clerk.getByTestId('assign-team-rencheng-smart-elderly').click();
await clerk.getByTestId('assign-submit').click();
await expectState(clerk, 'OFFERED');

const leader = await person('13800030001', 'leader2026');
await leader.getByTestId(`order-card-${orderId}`).click();
await leader.getByTestId('offer-explain').waitFor();
log('explain:', (await leader.getByTestId('offer-explain').innerText()).replace(/\n/g, ' | '));
await leader.getByTestId('action-accept').click();
await expectState(leader, 'ACCEPTED');
await leader.getByTestId('action-checkin').click();
await expectState(leader, 'IN_SERVICE');
await leader.getByTestId('complete-attendees').fill('28');
await leader.getByTestId('complete-summary').fill('讲解常见诈骗手法，现场演练识别诈骗电话');
await leader.getByTestId('complete-hours-rencheng-smart-elderly-v1').fill('2.5');
await leader.getByTestId('complete-hours-rencheng-smart-elderly-v2').fill('2.5');
await leader.getByTestId('complete-submit').click();
await expectState(leader, 'COMPLETED');

await expectState(resident, 'COMPLETED');
await resident.getByTestId('rate-overall-5').click();
await resident.getByTestId('rate-comment').fill('讲得很实用，谢谢志愿者');
await resident.getByTestId('rate-submit').click();
await expectState(resident, 'RATED');
log('timeline', await resident.locator('[data-testid^=timeline-item-]').evaluateAll((els) => els.map((e) => e.dataset.action).join(',')));
await browser.close();
log('done');
