// Mid-ranks: each value's position in sorted order, 0-based, ties sharing the mean of their
// positions (so a monotone map of the values leaves them unchanged).

export function midRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const out = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    for (let t = start; t < end; t++) out[order[t]] = (start + end - 1) / 2;
    start = end;
  }
  return out;
}
