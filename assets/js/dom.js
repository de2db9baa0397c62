// Tiny DOM helpers: text updates that only touch the DOM when the text changes (and flash the value).

export const $ = (id) => document.getElementById(id);

export function setText(id, text, flash = false) {
  const el = $(id);
  if (!el || el.textContent === text) return;
  el.textContent = text;
  if (flash) {
    el.classList.remove('flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('flash');
  }
}

/** Creates an element with text and optional class. */
export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

export function setState(id, state, text) {
  const e = $(id);
  if (!e) return;
  e.dataset.state = state;
  if (text !== undefined) e.textContent = text;
}
