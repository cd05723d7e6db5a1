// Measured in the page: SVG texts outside their SVG or overlapping each other, HTML boxes that
// overflow, the page's width, and the smallest rendered SVG font. Shared by the report's and the
// guide's figure tests; passed to page.evaluate, so it must stay self-contained.

export interface Layout {
  clipped: string[];
  overlapping: string[];
  overflowing: string[];
  pageWidth: number;
  viewportWidth: number;
  smallestFontPx: number;
  figures: number;
}

/** Runs in the page: what is clipped, overlaps or overflows, and the smallest rendered SVG font. */
export function measureLayout(): Layout {
  const out: Layout = { clipped: [], overlapping: [], overflowing: [], pageWidth: document.documentElement.scrollWidth, viewportWidth: window.innerWidth, smallestFontPx: Infinity, figures: 0 };
  const slack = 0.5;
  document.querySelectorAll('svg').forEach((svg, s) => {
    out.figures++;
    const box = svg.getBoundingClientRect();
    const scale = svg.viewBox.baseVal.width ? box.width / svg.viewBox.baseVal.width : 1;
    const texts = [...svg.querySelectorAll('text')].map((t) => ({ label: `svg ${s} "${t.textContent}"`, r: t.getBoundingClientRect(), px: parseFloat(getComputedStyle(t).fontSize) * scale }));
    for (const t of texts) {
      out.smallestFontPx = Math.min(out.smallestFontPx, t.px);
      if (t.r.left < box.left - slack || t.r.right > box.right + slack || t.r.top < box.top - slack || t.r.bottom > box.bottom + slack) out.clipped.push(t.label);
    }
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i].r;
        const b = texts[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) out.overlapping.push(`${texts[i].label} / ${texts[j].label}`);
      }
    }
  });
  document.querySelectorAll('h1, h2, p, li, th, td, figure, figcaption').forEach((el) => {
    if (el.scrollWidth > el.clientWidth + 1) out.overflowing.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? '').slice(0, 40)}"`);
  });
  return out;
}
