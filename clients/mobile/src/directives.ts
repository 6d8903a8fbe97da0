// v-testid on a van-field: the <input>/<textarea> inside gets data-testid="<value>" (so an
// end-to-end test can fill it directly) and the field's wrapper gets "<value>-field" (holding
// the label and the error message, .van-field__error-message).
import type { App, Directive } from 'vue';

function apply(el: HTMLElement, value: string) {
  if (!value) return;
  el.setAttribute('data-testid', `${value}-field`);
  const control = el.querySelector('input, textarea');
  if (control && control.getAttribute('data-testid') !== value) control.setAttribute('data-testid', value);
}

export const vTestid: Directive<HTMLElement, string> = {
  mounted: (el, b) => apply(el, b.value),
  updated: (el, b) => apply(el, b.value),
};

export function installDirectives(app: App): void {
  app.directive('testid', vTestid);
}
