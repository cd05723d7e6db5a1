// The one array type of the public API (Tensor: row-major data and its shape) and the 2-D float32
// view the kernels take (Matrix), with the checks that turn malformed arrays into typed errors.
import { SpecialistError } from './errors.ts';
import { toFloat32Checked } from './validate.ts';

/** What a Tensor may hold. Measurements are float32 or float64; integer arrays only for masks and indices. */
export type TensorData = Float32Array | Float64Array | Int32Array | Uint8Array;

/** An n-dimensional array: row-major (C order) data and its shape. */
export interface Tensor<D extends TensorData = Float32Array | Float64Array> {
  data: D;
  shape: readonly number[];
}

/** A row-major float32 matrix: the 2-D view kernels work on. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Throws a typed error naming `name` unless `t` is a float tensor whose rank is one of `ranks` and
 * whose data hold exactly the values its shape declares. Returns the shape.
 */
export function checkTensor(name: string, t: Tensor, ranks: readonly number[], dims = ''): readonly number[] {
  if (!t || !(t.data instanceof Float32Array || t.data instanceof Float64Array) || !Array.isArray(t.shape)) {
    throw new SpecialistError('INVALID_ARGUMENT', `${name} must be a tensor { data: Float32Array | Float64Array, shape${dims ? `: [${dims}]` : ''} }`, { argument: name });
  }
  const { shape } = t;
  if (!ranks.includes(shape.length) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new SpecialistError('SHAPE_MISMATCH', `${name} has shape [${shape.join(', ')}]; expected ${dims ? `[${dims}]` : `rank ${ranks.join(' or ')}`} with integer sizes`, {
      argument: name,
      shape: [...shape],
    });
  }
  if (t.data.length !== size(shape)) {
    throw new SpecialistError('SHAPE_MISMATCH', `${name} declares shape [${shape.join(', ')}] = ${size(shape)} values but holds ${t.data.length}`, {
      argument: name,
      shape: [...shape],
      length: t.data.length,
    });
  }
  return shape;
}

/**
 * The [rows, cols] float32 view of a 2-D float tensor, checked finite. float64 data are copied,
 * refusing values float32 cannot hold (core/validate.ts).
 */
export function matrixOf(name: string, t: Tensor): Matrix {
  const [rows, cols] = checkTensor(name, t, [2], 'rows, cols');
  const m = { data: toFloat32Checked(name, t.data, rows, cols), rows, cols };
  checkMatrix(name, m);
  return m;
}

/** A Matrix as a 2-D Tensor (no copy). */
export function tensorOf(m: Matrix): Tensor<Float32Array> {
  return { data: m.data, shape: [m.rows, m.cols] };
}

export function matrix(data: Float32Array | number[], rows: number, cols: number): Matrix {
  const m = { data: data instanceof Float32Array ? data : Float32Array.from(data), rows, cols };
  checkMatrix('matrix', m);
  return m;
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

/** Throws a typed error naming `name` unless m is a well-formed finite [rows, cols] matrix. */
export function checkMatrix(name: string, m: Matrix, minRows = 1, minCols = 1): void {
  if (!m || !(m.data instanceof Float32Array)) {
    throw new SpecialistError('INVALID_ARGUMENT', `${name} must be { data: Float32Array, rows, cols }`, { argument: name });
  }
  if (!isCount(m.rows, minRows) || !isCount(m.cols, minCols)) {
    throw new SpecialistError('SHAPE_MISMATCH', `${name} has shape [${m.rows}, ${m.cols}]; needs at least [${minRows}, ${minCols}] with integer sizes`, {
      argument: name,
      rows: m.rows,
      cols: m.cols,
    });
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new SpecialistError('SHAPE_MISMATCH', `${name} declares [${m.rows}, ${m.cols}] = ${m.rows * m.cols} values but holds ${m.data.length}`, {
      argument: name,
      rows: m.rows,
      cols: m.cols,
      length: m.data.length,
    });
  }
  checkFinite(name, m.data, m.cols);
}

/** Throws NON_FINITE naming the first NaN or infinity (with its row and column when `cols` is given). */
export function checkFinite(name: string, data: ArrayLike<number>, cols = 0): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      const where = cols > 0 ? ` at row ${Math.floor(i / cols)}, column ${i % cols}` : ` at index ${i}`;
      throw new SpecialistError('NON_FINITE', `${name} holds ${v}${where}`, {
        argument: name,
        index: i,
        ...(cols > 0 ? { row: Math.floor(i / cols), column: i % cols } : {}),
        value: String(v),
      });
    }
  }
}

/** Validates a list of column indices against a matrix width; defaults to every column. */
export function checkColumns(name: string, columns: ArrayLike<number> | undefined, width: number): Int32Array {
  if (columns === undefined) return Int32Array.from({ length: width }, (_, i) => i);
  if (columns.length === 0) throw new SpecialistError('INVALID_ARGUMENT', `${name} must list at least one column`, { argument: name });
  const out = Int32Array.from(columns);
  out.forEach((c, i) => {
    if (!Number.isInteger(columns[i]) || c < 0 || c >= width) {
      throw new SpecialistError('INVALID_ARGUMENT', `${name}[${i}] = ${columns[i]} is not a column of a ${width}-column matrix`, {
        argument: name,
        index: i,
        value: columns[i],
        width,
      });
    }
  });
  return out;
}

/** Copies a row-major [rows, cols] matrix into column-major order (one contiguous column each). */
export function toColumnMajor(m: Matrix, target: Float32Array): void {
  const { data, rows, cols } = m;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) target[c * rows + r] = data[base + c];
  }
}
