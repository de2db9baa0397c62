// Chart colours from the CSS variables, so charts follow the light/dark scheme.
export function colors() {
  const css = window.getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return {
    text: v('--muted'),
    grid: v('--grid'),
    imp: v('--import'),
    exp: v('--export'),
    accent: v('--accent'),
  };
}

/** Hex colour with alpha, for area fills. */
export function alpha(hex, a) {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const n = parseInt(m[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

export function axis(c, extra = {}) {
  return {
    stroke: c.text,
    grid: { stroke: c.grid, width: 1 },
    ticks: { stroke: c.grid, width: 1 },
    ...extra,
  };
}

/** Keeps a uPlot chart as wide as its container. */
export function fitWidth(u, container, height) {
  const ro = new window.ResizeObserver(() => {
    const w = Math.floor(container.clientWidth);
    if (w > 0 && w !== u.width) u.setSize({ width: w, height });
  });
  ro.observe(container);
}
