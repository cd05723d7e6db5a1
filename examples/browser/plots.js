// Two small SVG figures of a pipeline result: the segment-task relation Layer 1 found (outlined
// where the world's truth has a 1), and per head the importance of each latent coordinate, its
// support drawn dark. Plain SVG strings: copy them into any page.

const FOUND = '#2f6fdf';
const EMPTY = '#e8e8e8';
const TRUTH = '#d62728';
const MUTED = '#b9c3d3';

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const text = (x, y, s, anchor = 'start') => `<text x="${x}" y="${y}" text-anchor="${anchor}">${esc(s)}</text>`;
const svg = (width, height, label, body) =>
  `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(label)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`;

/** relation: N x M (0/1) found; truth: N x M or null. */
export function relationSvg(relation, truth) {
  const N = relation.length;
  const M = relation[0]?.length ?? 0;
  const cell = 36;
  const left = 96;
  const top = 40;
  const parts = [text(left, 16, 'task i')];
  for (let i = 0; i < M; i++) parts.push(text(left + i * cell + cell / 2, 34, String(i), 'middle'));
  for (let k = 0; k < N; k++) {
    const y = top + k * cell;
    parts.push(text(left - 8, y + cell / 2 + 5, `segment ${k}`, 'end'));
    for (let i = 0; i < M; i++) {
      const x = left + i * cell;
      const found = relation[k][i] === 1;
      parts.push(`<rect class="cell${found ? ' found' : ''}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${found ? FOUND : EMPTY}" stroke="#fff"><title>segment ${k}, task ${i}: ${found ? 'serves' : 'does not serve'}</title></rect>`);
      if (truth?.[k][i]) parts.push(`<rect class="truth" x="${x + 2}" y="${y + 2}" width="${cell - 4}" height="${cell - 4}" fill="none" stroke="${TRUTH}" stroke-width="3"/>`);
    }
  }
  const bottom = top + N * cell + 24;
  const key = truth ? 'blue: found by Layer 1 · red outline: the truth' : 'blue: found by Layer 1';
  parts.push(text(8, bottom, key));
  return svg(Math.max(left + M * cell + 8, 8 + key.length * 7.5), bottom + 10, 'segment-task relation', parts.join(''));
}

/** importance: per head, one value per latent coordinate; supports: per head, the coordinates it reads. */
export function supportsSvg(importance, supports, tasks) {
  const d = importance[0]?.length ?? 0;
  const bar = Math.max(3, Math.min(32, Math.floor(720 / Math.max(d, 1))));
  const left = 72;
  const rowHeight = 64;
  const parts = [];
  importance.forEach((values, j) => {
    const top = 8 + j * (rowHeight + 14);
    const max = Math.max(...values, 1e-12);
    const inSupport = new Set(supports[j]);
    parts.push(text(left - 8, top + rowHeight / 2 + 5, `task ${tasks[j]}`, 'end'));
    parts.push(`<line x1="${left}" x2="${left + d * bar}" y1="${top + rowHeight}" y2="${top + rowHeight}" stroke="#888"/>`);
    for (let c = 0; c < d; c++) {
      const h = Math.max(1, (values[c] / max) * rowHeight);
      const read = inSupport.has(c);
      parts.push(`<rect class="bar${read ? ' support' : ''}" x="${left + c * bar}" y="${top + rowHeight - h}" width="${bar - 1}" height="${h}" fill="${read ? FOUND : MUTED}"><title>task ${tasks[j]}, coordinate ${c}: importance ${values[c].toPrecision(3)}${read ? ' (in the support)' : ''}</title></rect>`);
    }
    parts.push(text(left + d * bar + 8, top + rowHeight / 2 + 5, `reads ${supports[j].length} of ${d}`));
  });
  const bottom = 8 + importance.length * (rowHeight + 14) + 10;
  parts.push(text(8, bottom, 'bars: mean |d prediction / d coordinate| of each coordinate of s_hat, dark: the support'));
  return svg(Math.max(left + d * bar + 120, 640), bottom + 10, 'importance of each latent coordinate per head', parts.join(''));
}
