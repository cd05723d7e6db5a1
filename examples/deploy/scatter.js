// A scatter plot as an SVG string: the truth across, the prediction up, the diagonal where they
// agree. Each point carries its values in data- attributes.
const SIZE = 240;
const PAD = 36;

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** points: { episode, step, truth, prediction }[]. */
export function scatterSvg(points, title) {
  const values = points.flatMap((p) => [p.truth, p.prediction]);
  const margin = 0.05 * (Math.max(1, ...values) - Math.min(-1, ...values));
  const lo = Math.min(-1, ...values) - margin;
  const hi = Math.max(1, ...values) + margin;
  const at = (v) => PAD + ((v - lo) / (hi - lo)) * SIZE;
  const up = (v) => PAD + SIZE - ((v - lo) / (hi - lo)) * SIZE;
  const dots = points.map(
    (p) =>
      `<circle cx="${at(p.truth).toFixed(1)}" cy="${up(p.prediction).toFixed(1)}" r="3" fill="#2f6fdf" fill-opacity="0.6" data-episode="${p.episode}" data-step="${p.step}" data-truth="${p.truth}" data-prediction="${p.prediction}"/>`,
  );
  const w = SIZE + 2 * PAD;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${w}" height="${w}" viewBox="0 0 ${w} ${w}">
<text x="${PAD}" y="20">${esc(title)}</text>
<rect x="${PAD}" y="${PAD}" width="${SIZE}" height="${SIZE}" fill="none" stroke="#888"/>
<line x1="${at(lo)}" y1="${up(lo)}" x2="${at(hi)}" y2="${up(hi)}" stroke="#d62728" stroke-dasharray="4 3"/>
${dots.join('\n')}
<text x="${PAD + SIZE / 2}" y="${w - 8}" text-anchor="middle">truth (first coordinate)</text>
<text transform="translate(14 ${PAD + SIZE / 2}) rotate(-90)" text-anchor="middle">prediction</text>
</svg>`;
}
