// Built-in CI tests by name and options: a plain value that can cross the worker boundary (a CiTest
// object holds functions and cannot), turned back into the test on either side. A new built-in test
// adds its name, spec and factory here.
import { SpecialistError } from '../../core/errors.ts';
import type { CiTest } from '../ci-test.ts';
import { cmiKnn, type CmiKnnOptions } from './cmi-knn/index.ts';
import { fisherZ, type FisherZOptions } from './fisher-z.ts';
import { gcm, type GcmOptions } from './gcm/index.ts';
import { rcot, type RcotOptions } from './rcot/index.ts';

/**
 * A built-in CI test by name with its options: what StructureOptions.test takes, and what a worker
 * rebuilds the test from.
 */
export type CiTestSpec = { name: 'cmiknn'; options?: CmiKnnOptions } | { name: 'fisherz'; options?: FisherZOptions } | { name: 'gcm'; options?: GcmOptions } | { name: 'rcot'; options?: RcotOptions };
/** The name of a built-in conditional-independence test: 'fisherz', 'gcm', 'cmiknn' or 'rcot'. */
export type CiTestName = CiTestSpec['name'];
export const CI_TEST_NAMES: readonly CiTestName[] = ['fisherz', 'gcm', 'cmiknn', 'rcot'];

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
    default:
      throw new SpecialistError('INVALID_ARGUMENT', `Unknown CI test "${String((spec as { name?: unknown })?.name)}"; expected ${CI_TEST_NAMES.join(' or ')}`, {
        argument: 'test',
        name: (spec as { name?: unknown })?.name,
      });
  }
}
