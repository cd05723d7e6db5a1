// Selection in flat float arrays, shared by the kNN kernels.

/** The k-th smallest (k >= 1) of n floats at p, by in-place quickselect (Hoare partition). */
export function kthSmallest(p: usize, n: i32, k: i32): f32 {
  let lo = 0, hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = load<f32>(p + (<usize>((lo + hi) >>> 1) << 2));
    let l = lo, h = hi;
    while (l <= h) {
      while (load<f32>(p + (<usize>l << 2)) < pivot) l++;
      while (load<f32>(p + (<usize>h << 2)) > pivot) h--;
      if (l <= h) {
        const a = load<f32>(p + (<usize>l << 2));
        store<f32>(p + (<usize>l << 2), load<f32>(p + (<usize>h << 2)));
        store<f32>(p + (<usize>h << 2), a);
        l++; h--;
      }
    }
    if (target <= h) hi = h;
    else if (target >= l) lo = l;
    else break;
  }
  return load<f32>(p + (<usize>target << 2));
}
