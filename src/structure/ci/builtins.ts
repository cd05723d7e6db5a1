// Built-in CI tests by name and options: a plain value that can cross the worker boundary (a CiTest
// object holds functions and cannot), turned back into the test on either side. A new built-in test
// adds its name, spec and factory here.
import { SpecialistError } from '../../core/errors.ts';
import type { CiTest } from '../ci-test.ts';
import { cmiKnn, type CmiKnnOptions } from './cmi-knn/index.ts';
import { fisherZ, type FisherZOptions } from './fisher-z.ts';
import { gcm, type GcmOptions } from './gcm/index.ts';
import { intersection, resolveIntersectionOptions, type IntersectionOptions } from './intersection.ts';
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
    case 'intersection': {
      const { tests, alpha } = resolveIntersectionOptions(spec.options ?? {});
      return intersection(tests.map(ciTestFromSpec), { alpha });
    }
    default:
      throw new SpecialistError('INVALID_ARGUMENT', `Unknown CI test "${String((spec as { name?: unknown })?.name)}"; expected ${CI_TEST_NAMES.join(' or ')}`, {
        argument: 'test',
        name: (spec as { name?: unknown })?.name,
      });
  }
}
