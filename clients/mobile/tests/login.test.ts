import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { Role } from '@/gen/kepu/v1/common_pb';
import { IdentityService, SessionSchema } from '@/gen/kepu/v1/identity_pb';
import { clearSession, session } from '@/stores/session';
import LoginView from '@/views/LoginView.vue';
import { flushPromises, mountAt, useFakeServer } from './helpers';

describe('LoginView', () => {
  it('checks the fields before calling the server', async () => {
    clearSession();
    let calls = 0;
    useFakeServer((r) => r.service(IdentityService, { login() { calls++; return {}; } }));
    const { wrapper } = await mountAt(LoginView, '/login');
    await wrapper.get('[data-testid=login-phone]').setValue('123');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls).toBe(0);
    expect(wrapper.get('[data-testid=login-phone-field]').text()).toContain('请输入11位手机号');
    expect(wrapper.get('[data-testid=login-password-field]').text()).toContain('必填');
    wrapper.unmount();
  });

  it('signs in, keeps the session and goes to the role\'s home', async () => {
    clearSession();
    useFakeServer((r) =>
      r.service(IdentityService, {
        login(req) {
          expect(req).toMatchObject({ phone: '13800010001', password: 'worker2026' });
          return create(SessionSchema, {
            token: 'tok-1',
            user: { id: 'w1', displayName: '吕平', grants: [{ role: Role.COMMUNITY_WORKER, scopeId: 'rencheng-guhuai-zhuyuan' }] },
          });
        },
      }),
    );
    const { wrapper, router } = await mountAt(LoginView, '/login');
    await wrapper.get('[data-testid=login-phone]').setValue('138 0001 0001');
    await wrapper.get('[data-testid=login-password]').setValue('worker2026');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(session.token).toBe('tok-1');
    expect(session.role).toBe(Role.COMMUNITY_WORKER);
    expect(JSON.parse(localStorage.getItem('kepu.session.v1')!).token).toBe('tok-1');
    expect(router.currentRoute.value.path).toBe('/w/queue');
    wrapper.unmount();
  });

  it('a wrong password says so in the chosen language', async () => {
    clearSession();
    useFakeServer((r) => r.service(IdentityService, { login() { throw new ConnectError('bad credentials', Code.Unauthenticated); } }));
    const { wrapper } = await mountAt(LoginView, '/login', { locale: 'en' });
    await wrapper.get('[data-testid=login-phone]').setValue('13900000001');
    await wrapper.get('[data-testid=login-password]').setValue('nope12345');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid=login-error]').text()).toContain('Wrong mobile number or password');
    expect(session.token).toBe('');
    wrapper.unmount();
  });
});
