import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { createRouterTransport, type ConnectRouter } from '@connectrpc/connect';
import { mount, flushPromises } from '@vue/test-utils';
import type { Component } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { authInterceptor, setTransport } from '@/api/client';
import { installDirectives } from '@/directives';
import { Role } from '@/gen/kepu/v1/common_pb';
import { UserSchema } from '@/gen/kepu/v1/identity_pb';
import { makeI18n } from '@/i18n';
import { routes } from '@/router';
import { session } from '@/stores/session';
import { settings } from '@/stores/settings';

export function useFakeServer(routesFn: (router: ConnectRouter) => void) {
  const transport = createRouterTransport(routesFn, { transport: { interceptors: [authInterceptor] } });
  setTransport(transport);
  return transport;
}

export function signInAs(role: Role, scopeIds: string[] = [''], extra: MessageInitShape<typeof UserSchema> = {}) {
  session.token = 'test-token';
  session.expiresAt = Date.now() + 3600_000;
  session.user = create(UserSchema, {
    id: 'user-1',
    phone: '13900000001',
    displayName: '潘文',
    active: true,
    grants: scopeIds.map((scopeId) => ({ role, scopeId })),
    ...extra,
  });
  session.role = role;
}

export async function mountAt(component: Component, path: string, opts: { locale?: 'zh-CN' | 'en'; props?: Record<string, unknown> } = {}) {
  settings.locale = opts.locale ?? 'zh-CN';
  // The screens under test are mounted directly; the routes' own components are stubs so that
  // a navigation completes without loading them.
  const stub = { render: () => null };
  const testRoutes = routes.map((r) => ('component' in r && r.component ? { ...r, component: stub } : r)) as typeof routes;
  const router = createRouter({ history: createMemoryHistory(), routes: testRoutes });
  await router.push(path);
  await router.isReady();
  const wrapper = mount(component, {
    props: opts.props,
    attachTo: document.body,
    global: {
      plugins: [makeI18n(opts.locale ?? 'zh-CN'), router, { install: installDirectives }],
    },
  });
  await flushPromises();
  return { wrapper, router };
}

export const ts = (d: Date) => timestampFromDate(d);
export { flushPromises };
