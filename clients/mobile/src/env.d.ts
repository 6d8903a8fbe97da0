/// <reference types="vite/client" />
import type { Directive } from 'vue';

declare module 'vue' {
  interface ComponentCustomProperties {
    vTestid: Directive<HTMLElement, string>;
  }
}

declare global {
  const __APP_VERSION__: string;
}

export {};
