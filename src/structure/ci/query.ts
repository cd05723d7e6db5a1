// Checks one CI query against the width of the prepared data: x and y non-empty, every entry a
// column index, no column twice. Shared by the built-in tests.

import { SpecialistError } from '../../core/errors.ts';
import type { CiQuery } from '../ci-test.ts';

/** The query's blocks, each sorted, or a typed error naming the block at fault. */
export function checkQueryColumns(query: CiQuery, width: number): { x: number[]; y: number[]; z: number[] } {
  if (!query || !Array.isArray(query.x) || !Array.isArray(query.y) || !Array.isArray(query.z)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'a CI query must be { x: number[], y: number[], z: number[] }', { argument: 'query' });
  }
  const seen = new Set<number>();
  const blocks = { x: [...query.x], y: [...query.y], z: [...query.z] };
  for (const [name, block] of Object.entries(blocks)) {
    if (name !== 'z' && block.length === 0) throw new SpecialistError('INVALID_ARGUMENT', `query.${name} must list at least one column`, { argument: `query.${name}` });
    for (const c of block) {
      if (!Number.isInteger(c) || c < 0 || c >= width) {
        throw new SpecialistError('INVALID_ARGUMENT', `query.${name} holds ${c}, which is not a column of the ${width}-column data`, { argument: `query.${name}`, column: c, width });
      }
      if (seen.has(c)) throw new SpecialistError('INVALID_ARGUMENT', `column ${c} appears more than once in the query`, { argument: 'query', column: c });
      seen.add(c);
    }
    block.sort((a, b) => a - b);
  }
  return blocks;
}
