// Which options each conditional-independence test reads, for `structure` and `citest`. Given with
// a test that does not read it, an option is refused rather than ignored (args.ts, OptionConditions):
// a new test, or a new option of a test, gets its row here.
import type { OptionConditions } from './args.ts';

export const CI_TEST_OPTIONS: Record<string, readonly string[]> = {
  // 'auto' may run the GCM, whose random features take the seed.
  auto: ['seed'],
  fisherz: [],
  gcm: ['seed'],
  rcot: ['seed'],
  intersection: ['seed'],
  cmiknn: ['knn', 'permutations', 'shuffle-neighbors', 'seed'],
};

/** The table as conditions on --test, for a command offering `tests`: each option applies with the tests that read it. */
export function ciTestConditions(tests: readonly string[]): OptionConditions {
  const conditions: OptionConditions = {};
  for (const test of tests) {
    for (const option of CI_TEST_OPTIONS[test] ?? []) conditions[option] = { test: [...(conditions[option]?.test ?? []), test] };
  }
  return conditions;
}
