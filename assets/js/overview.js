// The overview of every meter (shown only with more than one): name and id, import and export power now and the
// diagnosis state. Power comes from each meter's snapshot events (or /api/v1/meters while polling), the state
// from the status; a meter's name is a button that selects it.
import { $, el, setState, setText } from './dom.js';
import { meterLabel } from './meters.js';
import { formatPower } from './format.js';

const cellId = (id, what) => `overview-${what}-${id}`;

export function createOverview(onSelect) {
  let ids = [];
  const buttons = new Map(); // meter id → its name button

  function row(m) {
    const tr = el('tr');
    tr.dataset.meter = m.id;
    const name = el('th');
    name.scope = 'row';
    const button = el('button', meterLabel(m), 'meter-link');
    button.type = 'button';
    button.addEventListener('click', () => onSelect(m.id));
    buttons.set(m.id, button);
    name.append(button);
    const imp = el('td', '–', 'imp');
    const exp = el('td', '–', 'exp');
    imp.id = cellId(m.id, 'import');
    exp.id = cellId(m.id, 'export');
    const state = el('td');
    const badge = el('span', m.diagnosis.state, 'badge');
    badge.id = cellId(m.id, 'state');
    state.append(badge);
    tr.append(name, imp, exp, state);
    return tr;
  }

  return {
    /** Rows for the status `meters` (rebuilt when the ids change), names and diagnosis states updated. */
    setMeters(meters) {
      const next = meters.map((m) => m.id);
      if (next.join('\n') !== ids.join('\n')) {
        ids = next;
        buttons.clear();
        $('overview-rows').replaceChildren(...meters.map(row));
      }
      for (const m of meters) {
        buttons.get(m.id).textContent = meterLabel(m);
        setState(cellId(m.id, 'state'), m.diagnosis.state, m.diagnosis.state);
        $(cellId(m.id, 'state')).title = m.diagnosis.hint;
      }
      $('overview').hidden = false;
    },
    /** Live power of one meter in W (null/undefined: the meter sent none). */
    setPower(id, importW, exportW) {
      setText(cellId(id, 'import'), formatPower(importW ?? undefined), true);
      setText(cellId(id, 'export'), formatPower(exportW ?? undefined), true);
    },
    setSelected(id) {
      for (const [meter, button] of buttons) {
        const current = meter === id;
        button.closest('tr').classList.toggle('selected', current);
        if (current) button.setAttribute('aria-current', 'true');
        else button.removeAttribute('aria-current');
      }
    },
  };
}
