// The meter selector in the header: a labelled <select> (Tab to it, arrow keys to choose), shown only when the
// daemon reads more than one meter. Options are rebuilt only when the meters or their names change.
import { $, el } from './dom.js';
import { meterLabel } from './meters.js';

export function createMeterSelect(onChange) {
  const select = $('meter-select');
  let key = '';
  select.addEventListener('change', () => onChange(select.value));
  return {
    /** Shows the meters (status `meters` entries) with `selected` chosen. */
    render(meters, selected) {
      const next = JSON.stringify(meters.map((m) => [m.id, m.name]));
      if (next !== key) {
        key = next;
        select.replaceChildren(
          ...meters.map((m) => {
            const o = el('option', meterLabel(m));
            o.value = m.id;
            return o;
          }),
        );
      }
      select.value = selected;
      $('meter-select-label').hidden = false;
    },
  };
}
