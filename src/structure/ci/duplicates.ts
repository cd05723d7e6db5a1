// Rows that repeat another row exactly, over some columns. Every test here assumes independent
// rows; a duplicated row is two copies of one sample. For kNN-CMI it is worse than a smaller n:
// twins are each other's nearest neighbours in every space, which the permutations break, so the
// observed statistic stands out of its null (measured, docs/structure.md).

/** How many rows repeat an earlier row on `columns` (each n long), and the first such pair. */
export function duplicateRows(columns: readonly ArrayLike<number>[], n: number): { count: number; first: [number, number] | null } {
  const seen = new Map<string, number>();
  let count = 0;
  let first: [number, number] | null = null;
  const row = new Array<number>(columns.length);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < columns.length; c++) row[c] = columns[c][i];
    const key = row.join(',');
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, i);
    else {
      count++;
      first ??= [earlier, i];
    }
  }
  return { count, first };
}
