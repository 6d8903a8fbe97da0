import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from 'vue-router';
import { Role } from '@/gen/kepu/v1/common_pb';
import { session, signedIn } from '@/stores/session';

/** The home screen of each role. */
export const roleHome: Record<number, string> = {
  [Role.RESIDENT]: '/r/orders',
  [Role.COMMUNITY_WORKER]: '/w/queue',
  [Role.DEPARTMENT_STAFF]: '/d/pool',
  [Role.TEAM_LEADER]: '/l/offers',
  [Role.VOLUNTEER]: '/v/me',
};

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true, title: 'login.title' } },
  { path: '/', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { title: 'app.name' } },
  { path: '/inbox', name: 'inbox', component: () => import('@/views/InboxView.vue'), meta: { title: 'inbox.title', back: true } },
  { path: '/inbox/settings', name: 'inbox-settings', component: () => import('@/views/NotificationPrefsView.vue'), meta: { title: 'inbox.prefs.title', back: true } },
  { path: '/settings', name: 'settings', component: () => import('@/views/SettingsView.vue'), meta: { title: 'settings.title', tab: 'settings' } },

  { path: '/r/catalog', name: 'catalog', component: () => import('@/views/resident/CatalogView.vue'), meta: { role: Role.RESIDENT, title: 'catalog.title', tab: 'catalog' } },
  { path: '/r/new', name: 'new-order', component: () => import('@/views/OrderFormView.vue'), meta: { role: Role.RESIDENT, title: 'form.title', back: true } },
  { path: '/r/orders', name: 'my-orders', component: () => import('@/views/resident/MyOrdersView.vue'), meta: { role: Role.RESIDENT, title: 'orders.title', tab: 'orders' } },
  { path: '/r/orders/:id', name: 'resident-order', component: () => import('@/views/OrderDetailView.vue'), meta: { role: Role.RESIDENT, title: 'detail.title', back: true } },

  { path: '/w/queue', name: 'queue', component: () => import('@/views/worker/QueueView.vue'), meta: { role: Role.COMMUNITY_WORKER, title: 'worker.queue', tab: 'queue' } },
  { path: '/w/assist', name: 'assist', component: () => import('@/views/OrderFormView.vue'), meta: { role: Role.COMMUNITY_WORKER, title: 'form.assistTitle', tab: 'assist', assisted: true } },
  { path: '/w/orders/:id', name: 'worker-order', component: () => import('@/views/OrderDetailView.vue'), meta: { role: Role.COMMUNITY_WORKER, title: 'detail.title', back: true } },

  { path: '/d/pool', name: 'pool', component: () => import('@/views/dept/PoolView.vue'), meta: { role: Role.DEPARTMENT_STAFF, title: 'department.pool', tab: 'pool' } },
  { path: '/d/orders/:id', name: 'dept-order', component: () => import('@/views/OrderDetailView.vue'), meta: { role: Role.DEPARTMENT_STAFF, title: 'detail.title', back: true } },

  { path: '/l/offers', name: 'offers', component: () => import('@/views/leader/OffersView.vue'), meta: { role: Role.TEAM_LEADER, title: 'leader.offers', tab: 'offers' } },
  { path: '/l/tasks', name: 'tasks', component: () => import('@/views/leader/TasksView.vue'), meta: { role: Role.TEAM_LEADER, title: 'leader.tasks', tab: 'tasks' } },
  { path: '/l/orders/:id', name: 'leader-order', component: () => import('@/views/OrderDetailView.vue'), meta: { role: Role.TEAM_LEADER, title: 'detail.title', back: true } },

  { path: '/v/me', name: 'volunteer', component: () => import('@/views/VolunteerView.vue'), meta: { role: Role.VOLUNTEER, title: 'volunteer.title', tab: 'me' } },

  { path: '/:pathMatch(.*)*', redirect: '/' },
];

/** The path a role's screens start with. */
export const rolePrefix: Record<number, string> = {
  [Role.RESIDENT]: '/r/',
  [Role.COMMUNITY_WORKER]: '/w/',
  [Role.DEPARTMENT_STAFF]: '/d/',
  [Role.TEAM_LEADER]: '/l/',
  [Role.VOLUNTEER]: '/v/',
};

export function makeRouter(): Router {
  const router = createRouter({ history: createWebHistory('/'), routes });
  router.beforeEach((to) => {
    if (to.meta.public) return signedIn() && to.name === 'login' ? '/' : true;
    if (!signedIn()) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
    if (to.name === 'home') {
      const home = roleHome[session.role];
      return home ?? true;
    }
    // A role's screen: act in that role when the person holds it.
    const role = to.meta.role as Role | undefined;
    if (role !== undefined && role !== session.role) {
      const held = session.user?.grants.some((g) => g.role === role);
      if (!held) return '/';
      session.role = role;
    }
    return true;
  });
  // Every screen's code is fetched once the first screen is up, so a phone that
  // loses its signal later can still open any screen (the offline outbox leads
  // to 我的订单). A fetch that fails here is tried again by the navigation that
  // needs it.
  void router.isReady().then(() => {
    for (const route of routes) {
      const load = route.component;
      if (typeof load === 'function') void (load as () => Promise<unknown>)().catch(() => undefined);
    }
  });
  return router;
}

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    title?: string;
    tab?: string;
    back?: boolean;
    role?: Role;
    assisted?: boolean;
  }
}
