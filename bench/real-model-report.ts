// The HTML report of one seed of `npm run real-model`: Layer 1 against the truth, each head's
// block, and the specialist heads beside the dense ones on each evaluation set.
import { renderReport } from '../src/report/html.ts';
import type { SeedRun } from './real-model-run.ts';

export function reportOf(run: SeedRun, layer: string): string {
  const result = run.result!;
  const s = result.structure;
  const M = run.truth[0].length;
  const model = result.specialists!;
  return renderReport({
    title: `PP-OCRv4 recogniser (${layer}) over the glyph world${run.world === 'shortcut' ? ' with a shortcut' : ''}, seed ${run.seed}`,
    generatedAt: new Date().toISOString(),
    summary: [
      ['Latents', `${run.latentDims} numbers per picture (layer ${layer}, pooled)`],
      ['Layer 1', run.layer1.map((l) => `${l.test}: ${l.refused ? 'refused' : `MCC ${l.mcc.toFixed(2)}`}`).join('; ')],
      ['Layer 2', run.heads.map((h) => `task ${h.task}: ${h.support} coordinates, R² content ${h.block.content.toFixed(2)}, style ${h.block.style.toFixed(2)}, font ${h.block.font.toFixed(2)}`).join('; ')],
      ['Timings', `Layer 1 ${run.timingsSeconds.structure} s, Layer 2 ${run.timingsSeconds.specialists} s, dense baseline ${run.timingsSeconds.dense} s (load average ${run.loadAverage.start.toFixed(1)}-${run.loadAverage.end.toFixed(1)})`],
    ],
    segments: run.truth.length,
    segmentLength: s.segmentLength,
    tasks: M,
    relation: s.relation,
    truth: run.truth,
    method: s.method,
    conditioning: s.conditioning,
    pValues: s.method === 'pairwise' ? s.pValues : null,
    directPValues: s.method === 'direct' ? s.directPValues : null,
    latentDims: model.latentDims,
    heads: run.heads.map((h, j) => ({
      task: h.task,
      support: model.supports[j],
      importance: Array.from(model.state.importance[j]),
      r2Relevant: h.block.content,
      // What the block should not carry: the other slot's character, the style, the font.
      r2Irrelevant: Math.max(h.block.otherContent ?? 0, h.block.style, h.block.font),
    })),
    warnings: run.warnings,
    comparison: result.comparison,
  });
}
