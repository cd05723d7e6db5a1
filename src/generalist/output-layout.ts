// What the SDK needs of an encoder, checked rather than assumed: a float32 input, an embedding
// whose first axis is the batch (row i of the output belongs to row i of the input and to no other),
// and finite values. Without these checks an output laid out [d, batch] is silently cut into
// scrambled rows, and one that reduces over the batch into a fractional number of rows.
import type * as Ort from 'onnxruntime-web';
import { SpecialistError } from '../core/errors.ts';
import type { GraphValue } from '../onnx/graph.ts';

/** ONNX TensorProto element types, for messages. */
const ELEMENT_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 16: 'bfloat16' };

/** The observations input must take float32 (0: the model does not say; onnxruntime will check). */
export function checkObservationInput(input: GraphValue): void {
  if (input.elemType === 0 || input.elemType === 1) return;
  const type = ELEMENT_NAMES[input.elemType] ?? `element type ${input.elemType}`;
  throw new SpecialistError(
    'INVALID_ARGUMENT',
    `The model input "${input.name}" takes ${type}; observations are float32. Name a float32 input with \`input\`, or export the model with a float32 input (token ids and other integer inputs belong in \`fixedInputs\`)`,
    { input: input.name, elemType: input.elemType, reason: 'input-type' },
  );
}

/**
 * Checks one batch's output tensor against the batch it came from and returns its values:
 * float32, first axis = `rows`, `width` values per row (when known), all finite.
 */
export function checkBatchOutput(tensor: Ort.Tensor, output: string, rows: number, width: number | undefined, firstRow: number): Float32Array {
  if (tensor.type !== 'float32') {
    throw new SpecialistError('INVALID_ARGUMENT', `The encoder output "${output}" is ${tensor.type}; the embedding must be float32 (pick another output with \`output\`)`, { output, type: tensor.type, reason: 'output-type' });
  }
  const dims = tensor.dims;
  const values = tensor.data as Float32Array;
  if (dims[0] !== rows || values.length % rows !== 0 || values.length === 0) {
    throw new SpecialistError(
      'SHAPE_MISMATCH',
      `The encoder output "${output}" has shape [${dims.join(', ')}] for a batch of ${rows} observation${rows === 1 ? '' : 's'}: its first axis must be the batch. ` +
        `An output laid out [features, batch] must be transposed inside the model, and one reduced over the batch cannot give one embedding per observation (pick another output with \`output\`)`,
      { output, dims: [...dims], rows, reason: 'output-layout' },
    );
  }
  if (width !== undefined && values.length !== rows * width) {
    throw new SpecialistError('SHAPE_MISMATCH', `The encoder output "${output}" has ${values.length / rows} values per observation in this batch, ${width} in the first one`, { output, dims: [...dims], width, reason: 'output-layout' });
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const per = values.length / rows;
      throw new SpecialistError(
        'NON_FINITE',
        `The encoder produced ${values[i]} for observation ${firstRow + Math.floor(i / per)} (embedding coordinate ${i % per}) from finite input: the model overflows or divides by zero on this input`,
        { output, row: firstRow + Math.floor(i / per), column: i % per, value: String(values[i]) },
      );
    }
  }
  return values;
}

type Run = (batch: Float32Array, rows: number) => Promise<Ort.Tensor>;

/**
 * Runs `probe` (`rows` real observations) forwards and in reverse order (and, when the batch axis is
 * free, without its last row): each output row must follow its input row. An output whose first
 * axis is not the batch, or whose rows mix observations of the batch, fails with SHAPE_MISMATCH.
 */
export async function probeOutputLayout(run: Run, output: string, probe: Float32Array, rows: number, fixedBatch: boolean): Promise<void> {
  const rowSize = probe.length / rows;
  const reversed = new Float32Array(probe.length);
  for (let r = 0; r < rows; r++) reversed.set(probe.subarray(r * rowSize, (r + 1) * rowSize), (rows - 1 - r) * rowSize);
  const forward = checkBatchOutput(await run(probe, rows), output, rows, undefined, 0).slice();
  const width = forward.length / rows;
  const backward = checkBatchOutput(await run(reversed, rows), output, rows, width, 0);
  let scale = 1;
  for (const v of forward) scale = Math.max(scale, Math.abs(v));
  const mixed = (a: Float32Array, ra: number, b: Float32Array, rb: number) => {
    for (let j = 0; j < width; j++) if (Math.abs(a[ra * width + j] - b[rb * width + j]) > 1e-3 * scale) return true;
    return false;
  };
  for (let r = 0; r < rows; r++) {
    if (mixed(forward, r, backward, rows - 1 - r)) {
      throw new SpecialistError(
        'SHAPE_MISMATCH',
        `The encoder output "${output}" does not keep one row per observation: reversing the ${rows} observations of a batch changes row ${r}'s embedding, not only its place. ` +
          'Its first axis is not the batch (e.g. [features, batch]), or the model mixes observations (batch statistics, random nodes)',
        { output, row: r, reason: 'output-layout' },
      );
    }
  }
  if (fixedBatch || rows < 2) return;
  const fewer = checkBatchOutput(await run(probe.subarray(0, (rows - 1) * rowSize), rows - 1), output, rows - 1, width, 0);
  for (let r = 0; r < rows - 1; r++) {
    if (mixed(forward, r, fewer, r)) {
      throw new SpecialistError('SHAPE_MISMATCH', `The encoder output "${output}" changes row ${r}'s embedding when the batch has ${rows - 1} observations instead of ${rows}: the model mixes observations of a batch`, {
        output,
        row: r,
        reason: 'output-layout',
      });
    }
  }
}
