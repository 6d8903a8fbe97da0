// Language and the elderly-friendly mode (适老化), kept in localStorage.
import { reactive, watch } from 'vue';

export type Locale = 'zh-CN' | 'en';

const KEY = 'kepu.settings.v1';

export const settings = reactive({
  locale: 'zh-CN' as Locale,
  /** Large text, high contrast, big touch targets, one task per screen. */
  elderly: false,
});

export function loadSettings(storage: Storage | undefined = globalThis.localStorage): void {
  try {
    const v = JSON.parse(storage?.getItem(KEY) ?? '{}') as Partial<typeof settings>;
    if (v.locale === 'en' || v.locale === 'zh-CN') settings.locale = v.locale;
    if (typeof v.elderly === 'boolean') settings.elderly = v.elderly;
  } catch {
    /* defaults */
  }
}

export function saveSettings(storage: Storage | undefined = globalThis.localStorage): void {
  storage?.setItem(KEY, JSON.stringify({ locale: settings.locale, elderly: settings.elderly }));
}

/** Applies the settings to the document (class "elderly" on <html>, lang) and persists changes. */
export function applySettings(doc: Document = document): void {
  const apply = () => {
    doc.documentElement.classList.toggle('elderly', settings.elderly);
    doc.documentElement.lang = settings.locale;
  };
  apply();
  watch(
    () => [settings.locale, settings.elderly],
    () => {
      apply();
      saveSettings();
    },
  );
}
