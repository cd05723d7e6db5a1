// Anti-aliased coverage of filled outlines, computed exactly per pixel from signed areas (no
// supersampling). Only +, -, *, / and floor/sqrt on doubles: every JavaScript engine computes the
// same bits, so Node and browsers draw identical images.

/** An affine map [a, b, c, d, e, f]: (x, y) -> (a x + c y + e, b x + d y + f). */
export type Affine = [number, number, number, number, number, number];

/** Largest distance (pixels) between a quadratic curve and the chords that replace it. */
const FLATNESS = 0.05;

/**
 * Appends the edges of closed TrueType contours (flat [x, y, on] triples) mapped by `m` to `lines`
 * (flat x0, y0, x1, y1): straight parts as they are, quadratic parts cut into chords.
 */
export function appendContours(lines: number[], contours: readonly number[][], m: Affine): void {
  const px = (x: number, y: number) => m[0] * x + m[2] * y + m[4];
  const py = (x: number, y: number) => m[1] * x + m[3] * y + m[5];
  for (const contour of contours) {
    const n = contour.length / 3;
    if (n < 2) continue;
    // Points in device space; between two off-curve points lies an implied on-curve midpoint.
    const xs: number[] = [];
    const ys: number[] = [];
    const on: boolean[] = [];
    for (let q = 0; q < n; q++) {
      xs.push(px(contour[3 * q], contour[3 * q + 1]));
      ys.push(py(contour[3 * q], contour[3 * q + 1]));
      on.push(contour[3 * q + 2] === 1);
    }
    let first = on.indexOf(true);
    let sx: number, sy: number;
    if (first < 0) {
      // All off-curve: start at the midpoint of the first two.
      first = 0;
      sx = (xs[0] + xs[1]) / 2;
      sy = (ys[0] + ys[1]) / 2;
    } else {
      sx = xs[first];
      sy = ys[first];
    }
    let cx = sx;
    let cy = sy;
    let ctrl: [number, number] | null = null;
    for (let step = 1; step <= n; step++) {
      const q = (first + step) % n;
      const [x, y] = [xs[q], ys[q]];
      if (!on[q]) {
        if (ctrl) {
          const mx = (ctrl[0] + x) / 2;
          const my = (ctrl[1] + y) / 2;
          appendQuadratic(lines, cx, cy, ctrl[0], ctrl[1], mx, my);
          [cx, cy] = [mx, my];
        }
        ctrl = [x, y];
        continue;
      }
      if (ctrl) appendQuadratic(lines, cx, cy, ctrl[0], ctrl[1], x, y);
      else lines.push(cx, cy, x, y);
      ctrl = null;
      [cx, cy] = [x, y];
    }
    if (ctrl) appendQuadratic(lines, cx, cy, ctrl[0], ctrl[1], sx, sy);
    else if (cx !== sx || cy !== sy) lines.push(cx, cy, sx, sy);
  }
}

function appendQuadratic(lines: number[], x0: number, y0: number, cx: number, cy: number, x1: number, y1: number): void {
  // A quadratic strays at most |p0 - 2c + p1| / 4 from its chord; n chords cut that by n^2.
  const ex = x0 - 2 * cx + x1;
  const ey = y0 - 2 * cy + y1;
  const deviation = Math.sqrt(ex * ex + ey * ey) / 4;
  const n = Math.min(32, Math.max(1, Math.ceil(Math.sqrt(deviation / FLATNESS))));
  let px = x0;
  let py = y0;
  for (let k = 1; k <= n; k++) {
    const t = k / n;
    const s = 1 - t;
    const x = s * s * x0 + 2 * s * t * cx + t * t * x1;
    const y = s * s * y0 + 2 * s * t * cy + t * t * y1;
    lines.push(px, py, x, y);
    [px, py] = [x, y];
  }
}

/**
 * Coverage in [0, 1] of each pixel of a width x height image (row-major, y down) by the region
 * the closed edges enclose (non-zero winding for non-overlapping or same-direction contours).
 * Each edge adds its signed height to the cells it crosses, split by the area left of it inside the
 * cell; a running sum along each row then gives the winding-weighted area of every pixel.
 */
export function rasterise(lines: readonly number[], width: number, height: number): Float32Array {
  const stride = width + 1;
  const acc = new Float64Array(stride * height);
  const cell = (row: number, x: number, dy: number) => {
    // x is the edge's mean x inside the cell it crosses; an edge left of the image covers all of it.
    const at = row * stride;
    if (x <= 0) {
      acc[at] += dy;
      return;
    }
    if (x >= width) return;
    const col = Math.floor(x);
    const right = x - col;
    acc[at + col] += dy * (1 - right);
    acc[at + col + 1] += dy * right;
  };
  for (let l = 0; l < lines.length; l += 4) {
    let [x0, y0, x1, y1] = [lines[l], lines[l + 1], lines[l + 2], lines[l + 3]];
    if (y0 === y1) continue;
    let sign = 1;
    if (y0 > y1) {
      [x0, y0, x1, y1] = [x1, y1, x0, y0];
      sign = -1;
    }
    const slope = (x1 - x0) / (y1 - y0);
    const top = Math.max(0, Math.floor(y0));
    const bottom = Math.min(height, Math.ceil(y1));
    for (let row = top; row < bottom; row++) {
      const ya = Math.max(y0, row);
      const yb = Math.min(y1, row + 1);
      if (yb <= ya) continue;
      const xa = x0 + (ya - y0) * slope;
      const xb = x0 + (yb - y0) * slope;
      const dy = sign * (yb - ya);
      const lo = Math.min(xa, xb);
      const hi = Math.max(xa, xb);
      const first = Math.floor(lo);
      if (first === Math.floor(hi) || hi - lo === 0) {
        cell(row, (xa + xb) / 2, dy);
        continue;
      }
      // The edge crosses cell borders within this row: give each cell its share of the height.
      let from = lo;
      for (let border = first + 1; from < hi; border++) {
        const to = Math.min(hi, border);
        cell(row, (from + to) / 2, (dy * (to - from)) / (hi - lo));
        from = to;
      }
    }
  }
  const coverage = new Float32Array(width * height);
  for (let row = 0; row < height; row++) {
    let sum = 0;
    for (let col = 0; col < width; col++) {
      sum += acc[row * stride + col];
      coverage[row * width + col] = Math.min(1, Math.abs(sum));
    }
  }
  return coverage;
}
