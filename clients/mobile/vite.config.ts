/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { VantResolver } from '@vant/auto-import-resolver';
import pkg from './package.json' with { type: 'json' };
import { localOnly } from './scripts/local-only.mjs';
import { serviceWorker } from './sw/plugin';

// The gateway `npm run dev` forwards the API to (kepud --http_listen).
const gateway = process.env.KEPU_GATEWAY ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // Served by the gateway from clients/mobile/dist at the origin's root.
  base: '/',
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  plugins: [
    // Nothing is fetched from another host: remote @font-face sources (Vant's icon font) are dropped.
    localOnly(),
    vue(),
    // Vant components are imported on demand (with their CSS) where a template uses them.
    Components({ resolvers: [VantResolver()], dts: false }),
    serviceWorker(),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      // Connect unary calls: POST /kepu.v1.<Service>/<Method>
      '^/kepu\\.v1\\.': { target: gateway, changeOrigin: true },
      // Server-sent events of the streaming RPCs.
      '/sse/': { target: gateway, changeOrigin: true },
      '/healthz': { target: gateway, changeOrigin: true },
    },
  },
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
    restoreMocks: true,
    // Vant ships CSS imported from its ES modules.
    server: { deps: { inline: ['vant'] } },
    css: false,
  },
});
