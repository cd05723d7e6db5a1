// Built-in CI tests by name and options: a plain value that can cross the worker boundary (a CiTest
// object holds functions and cannot), turned back into the test on either side. A new built-in test
// adds its name, spec and factory here.
import { SpecialistError } from '../../core/errors.ts';
import type { CiTest } from '../ci-test.ts';
import { cmiKnn, type CmiKnnOptions } from './cmi-knn/index.ts';
import { fisherZ, type FisherZOptions } from './fisher-z.ts';
import { gcm, type GcmOptions } from './gcm/index.ts';
import { intersection } from './intersection.ts';
import { rcot, type RcotOptions } from './rcot/index.ts';

/**
 * A built-in CI test by name with its options: what StructureOptions.test takes, and what a worker
 * rebuilds the test from.
 */
export type CiTestSpec =
  | { name: 'cmiknn'; options?: CmiKnnOptions }
  | { name: 'fisherz'; options?: FisherZOptions }
  | { name: 'gcm'; options?: GcmOptions }
  | { name: 'rcot'; options?: RcotOptions }
  | { name: 'intersection'; options?: IntersectionOptions };
/**
 * The name of a built-in conditional-independence test: 'fisherz', 'gcm', 'cmiknn', 'rcot' or
 * 'intersection' (the largest p-value of several: by default the GCM confirmed by RCoT).
 */
export type CiTestName = CiTestSpec['name'];
export const CI_TEST_NAMES: readonly CiTestName[] = ['fisherz', 'gcm', 'cmiknn', 'rcot', 'intersection'];

/** Options of the intersection test (`{ name: 'intersection', options }`); each documents its default. */
export interface IntersectionOptions {
  /**
   * The tests, in the order they run (2 to 4 built-ins, none an intersection itself). Default
   * `[{ name: 'rcot' }, { name: 'gcm' }]`: the GCM keeps its level where x and y are nearly
   * functions of z and RCoT does not; RCoT keeps it on the wide z of lifted latents where the GCM's
   * many residual products add up to an excess (docs/structure.md, "Intersection"). The first
   * runs on every query (RCoT: the cheaper of the two on wide z), with the run's seed.
   */
  tests?: readonly CiTestSpec[];
  /**
   * The later tests run only on queries whose largest p-value so far is at most this. Default 1:
   * every test on every query, the exact largest p-value. discoverTaskStructure with method
   * 'direct' passes its own alpha: no decision of that run reads a p-value above alpha.
   */
  alpha?: number;
}

/** The intersection's default tests: RCoT first (the cheaper on wide z), then the GCM where RCoT rejects. */
export const INTERSECTION_TESTS: readonly CiTestSpec[] = [{ name: 'rcot' }, { name: 'gcm' }];

function intersectionFromSpec(options: IntersectionOptions): CiTest {
  const invalid = (argument: string, message: string, value: unknown) => new SpecialistError('INVALID_ARGUMENT', message, { argument, value });
  if (options === null || typeof options !== 'object') throw invalid('options', 'intersection options must be an object', options);
  const tests = options.tests ?? INTERSECTION_TESTS;
  if (!Array.isArray(tests) || tests.length < 2 || tests.length > 4) throw invalid('tests', `intersection tests must list 2 to 4 built-in tests, got ${Array.isArray(tests) ? tests.length : String(tests)}`, tests);
  if (tests.some((t) => t?.name === 'intersection')) throw invalid('tests', 'an intersection cannot contain another intersection', tests);
  return intersection(tests.map(ciTestFromSpec), { alpha: options.alpha });
}

export function ciTestFromSpec(spec: CiTestSpec): CiTest {
  switch (spec?.name) {
    case 'cmiknn':
      return cmiKnn(spec.options ?? {});
    case 'fisherz':
      return fisherZ(spec.options ?? {});
    case 'gcm':
      return gcm(spec.options ?? {});
    case 'rcot':
      return rcot(spec.options ?? {});
    case 'intersection':
      return intersectionFromSpec(spec.options ?? {});
    default:
      throw new SpecialistError('INVALID_ARGUMENT', `Unknown CI test "${String((spec as { name?: unknown })?.name)}"; expected ${CI_TEST_NAMES.join(' or ')}`, {
        argument: 'test',
        name: (spec as { name?: unknown })?.name,
      });
  }
}
