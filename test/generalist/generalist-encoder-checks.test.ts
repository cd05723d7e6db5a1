// Encoders that do not give one finite float32 embedding per observation are refused with typed
// errors that say what is wrong, instead of being cut into scrambled or fractional rows.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Generalist } from '../../src/generalist/generalist.ts';
import { expectCode } from '../helpers.ts';
import { encodeWith as encoded, observations as obs, opModel as model } from '../onnx/models.ts';

it('a well-formed encoder passes the checks and keeps its rows', async () => {
  const out = await encoded(model([{ op: 'Neg', inputs: ['obs'], outputs: ['out'] }]), 5);
  assert.deepEqual(out.shape, [5, 3]);
  assert.deepEqual(Array.from(out.data), Array.from(obs(5).data, (v) => -v));
});

it('an output laid out [features, batch] is refused, also when features = batch', async () => {
  const transposed = model([{ op: 'Transpose', inputs: ['obs'], outputs: ['out'], attributes: { perm: { ints: [1, 0] } } }]);
  await expectCode(() => encoded(transposed, 5), 'SHAPE_MISMATCH', 'shape [3, 5] for a batch of 5 observations: its first axis must be the batch');
  // [3, 3]: the sizes agree, but reversing the batch changes each row's values.
  await expectCode(() => encoded(transposed, 3), 'SHAPE_MISMATCH', 'does not keep one row per observation');
});

it('an output that drops or reduces the batch axis is refused', async () => {
  const reduced = model([{ op: 'ReduceMean', inputs: ['obs'], outputs: ['out'], attributes: { axes: { ints: [0] }, keepdims: { int: 0 } } }]);
  await expectCode(() => encoded(reduced, 200), 'SHAPE_MISMATCH', 'has shape [3] for a batch of 8 observations');
  const kept = model([{ op: 'ReduceMean', inputs: ['obs'], outputs: ['out'], attributes: { axes: { ints: [0] }, keepdims: { int: 1 } } }]);
  await expectCode(() => encoded(kept, 6), 'SHAPE_MISMATCH', 'its first axis must be the batch');
});

it('an output whose rows mix the observations of a batch is refused', async () => {
  // out = obs - mean over the batch: the right shape, but each row depends on the others.
  const centred = model([
    { op: 'ReduceMean', inputs: ['obs'], outputs: ['mean'], attributes: { axes: { ints: [0] }, keepdims: { int: 1 } } },
    { op: 'Sub', inputs: ['obs', 'mean'], outputs: ['out'] },
  ]);
  await expectCode(() => encoded(centred, 6), 'SHAPE_MISMATCH', 'the model mixes observations of a batch');
});

it('non-finite embeddings name the observation; non-finite or empty observations are refused first', async () => {
  const log = model([{ op: 'Log', inputs: ['obs'], outputs: ['out'] }]);
  const error = await expectCode(() => encoded(log, 300, (i) => (i === 3 * 280 + 1 ? -1 : 1 + (i % 5))), 'NON_FINITE', 'The encoder produced NaN for observation 280');
  assert.equal(error.details.row, 280);
  const neg = model([{ op: 'Neg', inputs: ['obs'], outputs: ['out'] }]);
  await expectCode(() => encoded(neg, 4, (i) => (i === 7 ? Infinity : i)), 'NON_FINITE', 'observations holds Infinity at row 2, column 1');
  await expectCode(() => encoded(neg, 0), 'INVALID_ARGUMENT', 'hold no observation to encode');
  const g = await Generalist.load(neg);
  await expectCode(() => g.encode({ data: new Float32Array(6), shape: [-2, -3] }), 'SHAPE_MISMATCH', 'sizes must be non-negative integers');
  await expectCode(() => g.encode({ data: new Float32Array(6), shape: [2.5, 3] } as never), 'SHAPE_MISMATCH');
  await g.dispose();
});

it('integer inputs and outputs are named; onnxruntime failures are typed', async () => {
  const int64Input = model([{ op: 'Cast', inputs: ['obs'], outputs: ['out'], attributes: { to: { int: 1 } } }], { name: 'out' }, { name: 'obs', elemType: 'int64', shape: ['batch', 3] });
  await expectCode(() => Generalist.load(int64Input), 'INVALID_ARGUMENT', 'The model input "obs" takes int64; observations are float32');
  const argmax = model([{ op: 'ArgMax', inputs: ['obs'], outputs: ['out'], attributes: { axis: { int: 1 } } }], { name: 'out', elemType: 'int64' });
  await expectCode(() => encoded(argmax, 4), 'INVALID_ARGUMENT', 'The encoder output "out" is int64');
  // A dynamic feature axis that the weights do not accept: onnxruntime's own error, typed.
  const dense = model([{ op: 'MatMul', inputs: ['obs', 'W'], outputs: ['out'] }], { name: 'out' }, { name: 'obs', shape: ['batch', 'features'] }, [{ name: 'W', dims: [3, 2], data: new Float32Array(6) }]);
  const g = await Generalist.load(dense);
  await expectCode(() => g.encode({ data: new Float32Array(10), shape: [2, 5] }), 'INVALID_ARGUMENT', 'onnxruntime could not run the encoder on a batch of shape [2, 5]');
  await g.dispose();
});
