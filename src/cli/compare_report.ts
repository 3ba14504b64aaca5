// The report of `compare`: one self-contained compare.html (the metrics table beside line charts of
// accuracy and ECE under rotation and pixel noise) plus each chart as an SVG file.
import * as path from 'node:path';

import type {Comparison} from './compare.js';
import {meanEceAtLeast45, testDigits} from './compare.js';
import {writeFilesAtomic} from './fsutil.js';
import {esc, lineChart} from './svg.js';

interface Figure {
  name: string;
  title: string;
  svg: string;
}

function figures(c: Comparison): Figure[] {
  const series = (pick: (m: Comparison['methods'][number]) => number[], xs: number[]) =>
    c.methods.map((m, i) => ({name: m.name, xs, ys: pick(m), dashed: i === 0}));
  return [
    {name: 'ece_rotation', title: 'ECE under rotation', svg: lineChart('Expected calibration error vs rotation', 'rotation (degrees)',
      'ECE (15 bins)', series((m) => m.rotation.ece, c.rotations))},
    {name: 'accuracy_rotation', title: 'Accuracy under rotation', svg: lineChart('Accuracy vs rotation', 'rotation (degrees)',
      'accuracy', series((m) => m.rotation.accuracy, c.rotations), [0, 1])},
    {name: 'ece_noise', title: 'ECE under pixel noise', svg: lineChart('Expected calibration error vs Gaussian pixel noise',
      'noise σ (pixel range [−1, 1])', 'ECE (15 bins)', series((m) => m.noise.ece, c.noiseLevels))},
    {name: 'accuracy_noise', title: 'Accuracy under pixel noise', svg: lineChart('Accuracy vs Gaussian pixel noise',
      'noise σ (pixel range [−1, 1])', 'accuracy', series((m) => m.noise.accuracy, c.noiseLevels), [0, 1])},
  ];
}

function table(c: Comparison): string {
  const head = ['method', 'accuracy', 'NLL', 'ECE', 'Brier', 'OOD AUROC (rot 90°)', 'OOD AUROC (noise σ=1)', 'mean ECE, rot ≥ 45°',
    'setup s', 'predict s'];
  const rows = c.methods.map((m) => [esc(m.name), m.accuracy.toFixed(4), m.nll.toFixed(4), m.ece.toFixed(4), m.brier.toFixed(4),
    m.aurocRotated.toFixed(4), m.aurocNoise.toFixed(4), meanEceAtLeast45(m, c.rotations).toFixed(4), m.setupSeconds.toFixed(1),
    m.predictSeconds.toFixed(1)]);
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>` +
    rows.map((r) => `<tr>${r.map((v) => `<td>${v}</td>`).join('')}</tr>`).join('') + '</table>' +
    `<ul>${c.methods.map((m) => `<li><b>${esc(m.name)}</b>: ${esc(m.detail)}</li>`).join('')}</ul>`;
}

/** Writes compare.html and the SVG figures into `outDir`; returns a line saying so. */
export async function writeCompareReport(c: Comparison, outDir: string): Promise<string> {
  const figs = figures(c);
  const b = c.bestUnderRotation;
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Uncertainty for an existing LeNet-5</title><style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.row{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}</style></head><body>
<h1>Uncertainty for an existing LeNet-5: six routes compared</h1>
<p>${testDigits(c)} test ${esc(c.data.source)} digits (shift curves: ${c.data.shiftN} per level; ${c.data.validation ?? 0} further
held-out digits tuned Laplace's λ by validation and are scored by no method), backend ${esc(c.backend)},
${c.totalSeconds.toFixed(0)} s in all. Best calibrated under rotation ≥ 45°: <b>${esc(b.name)}</b>, mean ECE
${b.meanEce.toFixed(4)} against ${b.deterministicMeanEce.toFixed(4)} for the deterministic net (${(b.meanEce / b.deterministicMeanEce).toFixed(2)}×).</p>
<div class="row"><div>${table(c)}</div></div>
<div class="row">${figs.map((f) => `<figure><figcaption>${esc(f.title)}</figcaption>${f.svg}</figure>`).join('')}</div>
</body></html>`;
  await writeFilesAtomic([[path.join(outDir, 'compare.html'), html],
    ...figs.map((f) => [path.join(outDir, `${f.name}.svg`), f.svg] as const)]);
  return `Wrote ${path.join(outDir, 'compare.html')}, compare.json and ${figs.length} figures.`;
}
