import { createI18n } from 'vue-i18n';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';
import { settings } from './stores/settings';

export const messages = { 'zh-CN': zhCN, en };
export type MessageSchema = typeof zhCN;

export function makeI18n(locale: 'zh-CN' | 'en' = settings.locale) {
  return createI18n<[MessageSchema], 'zh-CN' | 'en', false>({
    legacy: false,
    locale,
    fallbackLocale: 'zh-CN',
    messages: messages as unknown as Record<'zh-CN' | 'en', MessageSchema>,
    missingWarn: false,
    fallbackWarn: false,
  });
}
