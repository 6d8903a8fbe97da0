import { createApp } from 'vue';
import App from './App.vue';
import { installDirectives } from './directives';
import { makeI18n } from './i18n';
import { makeRouter } from './router';
import { installSession } from './stores/session';
import { applySettings, loadSettings } from './stores/settings';
import 'vant/es/toast/style';
import 'vant/es/dialog/style';
import 'vant/es/notify/style';
import './styles.css';

loadSettings();
applySettings();

const router = makeRouter();
installSession(() => {
  const here = router.currentRoute.value;
  if (!here.meta.public) void router.replace({ name: 'login', query: { next: here.fullPath, expired: '1' } });
});

const app = createApp(App);
installDirectives(app);
app.use(makeI18n());
app.use(router);
app.mount('#app');

// The service worker caches the app shell (public/sw.js); only in a production build, so that
// `npm run dev` always serves fresh modules.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      /* not installable here (e.g. plain http on another host): the app works without it */
    });
  });
}
