// `report`: one self-contained HTML file (inline SVG) plus PNG and SVG figures: training curves,
// posterior weight mean/stddev histograms per layer, reliability diagram against the posterior-mean
// baseline, predictive-entropy histograms in/out of distribution, and the most/least certain digits.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import {variationalLayers} from '../layers/index.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {getNumber, getString} from './args.js';
import type {ParsedArgs} from './args.js';
import {NUM_CLASSES} from './data.js';
import {evaluateWithProgress, heldOutFor, loadModelDir} from './evaluate.js';
import type {CommandIo} from './evaluate.js';
import {formatEvaluation, read} from './evaluation.js';
import type {Evaluation, EvaluationDetails} from './evaluation.js';
import {DEFAULT_MODEL_DIR, ensureWritableDir, writeFilesAtomic} from './fsutil.js';
import {digitGallery, esc, histogram, lineChart, reliabilityDiagram, pngRasteriser} from './svg.js';
import type {GalleryItem, HistSeries} from './svg.js';
import type {History} from './train.js';

interface Figure {
  name: string;
  title: string;
  svg: string;
}

function readHistory(dir: string): History | null {
  const file = path.join(dir, 'history.json');
  if (!fs.existsSync(file)) return null;
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as History;
    return Array.isArray(h.steps) && Array.isArray(h.epochs) ? h : null;
  } catch {
    throw new ValueError(`report: history.json must be valid JSON written by train; got ${fmt(file)}.`);
  }
}

function trainingFigures(h: History): Figure[] {
  const xs = h.steps.map((s) => s.step);
  const smooth = (ys: number[], k = Math.max(1, Math.round(ys.length / 60))): number[] =>
    ys.map((_, i) => {
      const a = ys.slice(Math.max(0, i - k + 1), i + 1);
      return a.reduce((s, v) => s + v, 0) / a.length;
    });
  // NLL and KL/N differ by two orders of magnitude early on, so each gets its own chart.
  const loss = lineChart('Negative log-likelihood per step (running mean)', 'step', 'nats per example', [
    {name: 'NLL (one draw)', xs, ys: smooth(h.steps.map((s) => s.nll))},
  ]);
  const kl = lineChart('KL term per step', 'step', 'nats per example', [
    {name: 'Σ KL · weight', xs, ys: h.steps.map((s) => s.kl)},
    {name: 'β · Σ KL · weight', xs, ys: h.steps.map((s) => s.beta * s.kl), dashed: true},
  ]);
  const ex = h.epochs.map((e) => e.epoch);
  const acc = lineChart('Accuracy per epoch', 'epoch', 'accuracy', [
    {name: 'train (single draws)', xs: ex, ys: h.epochs.map((e) => e.accuracy)},
    {name: 'held-out (one draw)', xs: ex, ys: h.epochs.map((e) => e.heldOutAccuracy)},
  ], [Math.min(0.8, ...h.epochs.map((e) => Math.min(e.accuracy, e.heldOutAccuracy))), 1]);
  return [{name: 'training_loss', title: 'Training curves: NLL', svg: loss},
    {name: 'training_kl', title: 'Training curves: KL term (as added to the loss)', svg: kl},
    {name: 'training_accuracy', title: 'Training curves: accuracy', svg: acc}];
}

/** Upper end of the stddev axis: TFP's 1, or less when every σ is far below it. */
function stdRange(series: HistSeries[]): number {
  let max = 0;
  for (const s of series) for (let i = 0; i < s.values.length; i++) max = Math.max(max, s.values[i]!);
  return Math.min(1, Math.max(0.01, Number((max * 1.1).toPrecision(2))));
}

async function weightFigures(model: tf.LayersModel): Promise<Figure[]> {
  const vl = variationalLayers(model);
  if (vl.length === 0) {
    const series: HistSeries[] = [];
    for (const l of model.layers.filter((layer) => layer.getWeights().length > 0)) {
      series.push({name: l.name, values: await read(l.getWeights()[0]!)});
    }
    return [{name: 'weights', title: 'Kernel weights (deterministic model)',
      svg: histogram('Kernel weights', 'weight', series, [-1.5, 1.5], 60)}];
  }
  const means: HistSeries[] = [];
  const stds: HistSeries[] = [];
  for (const l of vl) {
    const q = l.kernelPosterior;
    if (q === null) continue;
    const m = q.mean() as unknown as tf.Tensor;
    const s = q.stddev() as unknown as tf.Tensor;
    means.push({name: l.name, values: await read(m)});
    stds.push({name: l.name, values: await read(s)});
    m.dispose();
    s.dispose();
  }
  return [
    {name: 'weight_means', title: 'Posterior weight means per layer',
      svg: histogram('Posterior kernel means', 'mean', means, [-1.5, 1.5], 60)},
    {name: 'weight_stddevs', title: 'Posterior weight standard deviations per layer',
      svg: histogram('Posterior kernel stddevs', 'stddev', stds, [0, stdRange(stds)], 60)},
  ];
}

function galleryItems(d: EvaluationDetails, images: Float32Array, order: number[], samples: number): GalleryItem[] {
  const n = d.labels.length;
  return order.map((i) => {
    const draws: number[][] = [];
    for (let s = 0; s < samples; s++) {
      draws.push(Array.from(d.sampleProbs.subarray((s * n + i) * NUM_CLASSES, (s * n + i + 1) * NUM_CLASSES)));
    }
    const mean = Array.from(d.meanProbs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES));
    const pred = mean.indexOf(Math.max(...mean));
    return {image: images.subarray(i * 784, (i + 1) * 784), draws, mean,
      caption: `label ${d.labels[i]}, predicted ${pred}|H ${d.entropyIn[i]!.toFixed(2)}, MI ${d.miIn[i]!.toFixed(2)}`};
  });
}

function evaluationFigures(e: Evaluation, d: EvaluationDetails, images: Float32Array): Figure[] {
  const maxH = Math.log(NUM_CLASSES);
  const byEntropy = Array.from(d.entropyIn.keys()).sort((a, b) => d.entropyIn[b]! - d.entropyIn[a]!);
  const k = Math.min(8, byEntropy.length);
  return [
    {name: 'reliability', title: 'Reliability diagram (15 bins)', svg: reliabilityDiagram(
        `Reliability: ECE ${e.bayesian.ece.toFixed(4)} (MC), ${e.baseline.ece.toFixed(4)} (posterior mean)` +
          `${e.deterministic ? `, ${e.deterministic.ece.toFixed(4)} (deterministic)` : ''}`,
        [{name: `MC predictive, S=${e.samples}`, bins: e.bayesian.reliability},
          {name: 'posterior mean', bins: e.baseline.reliability},
          ...(e.deterministic ? [{name: 'deterministic net', bins: e.deterministic.reliability}] : [])])},
    {name: 'entropy_ood', title: 'Predictive entropy: upright vs rotated 90°', svg: histogram(
        `Predictive entropy; AUROC ${e.bayesian.oodAurocEntropy.toFixed(3)} (MC), ${e.baseline.oodAurocEntropy.toFixed(3)} (mean)`,
        'predictive entropy (nats)', [
          {name: 'held-out, MC', values: d.entropyIn}, {name: 'rotated 90°, MC', values: d.entropyOut},
          {name: 'held-out, mean', values: d.baselineEntropyIn}, {name: 'rotated 90°, mean', values: d.baselineEntropyOut},
        ], [0, maxH], 30)},
    {name: 'least_certain', title: 'Least certain held-out digits', svg: digitGallery(
        'Least certain held-out digits (highest predictive entropy)', galleryItems(d, images, byEntropy.slice(0, k), e.samples))},
    {name: 'most_certain', title: 'Most certain held-out digits', svg: digitGallery(
        'Most certain held-out digits (lowest predictive entropy)', galleryItems(d, images, byEntropy.slice(-k).reverse(), e.samples))},
  ];
}

function metricsTable(e: Evaluation): string {
  const d = e.deterministic;
  const detOf: Record<string, number | undefined> = d ? {accuracy: d.accuracy, ll: d.logLikelihood,
    legacy: d.legacyHeldOutNatsAllEntries, brier: d.brier, ece: d.ece, auroc: d.oodAurocEntropy, ent: d.meanEntropy} : {};
  const tags = ['accuracy', 'll', 'legacy', 'brier', 'ece', 'auroc', '', 'ent', '', ''];
  let r = 0;
  const row = (name: string, a: number, b: number | null): string => {
    const v = detOf[tags[r++] ?? ''];
    return `<tr><td>${esc(name)}</td><td>${a.toFixed(4)}</td><td>${b === null ? '' : b.toFixed(4)}</td>` +
      `${d ? `<td>${v === undefined ? '' : v.toFixed(4)}</td>` : ''}</tr>`;
  };
  return `<table><tr><th>metric</th><th>MC predictive (S=${e.samples})</th><th>posterior mean</th>` +
    `${d ? '<th>deterministic net</th>' : ''}</tr>` +
    row('accuracy', e.bayesian.accuracy, e.baseline.accuracy) +
    row('held-out log-likelihood (nats, label only)', e.bayesian.logLikelihood, e.baseline.logLikelihood) +
    row('TFP legacy "held-out nats" (mean log over all 10 classes)', e.bayesian.legacyHeldOutNatsAllEntries, e.baseline.legacyHeldOutNatsAllEntries) +
    row('Brier score', e.bayesian.brier, e.baseline.brier) +
    row('expected calibration error (15 bins)', e.bayesian.ece, e.baseline.ece) +
    row('OOD AUROC of predictive entropy (rotated 90°)', e.bayesian.oodAurocEntropy, e.baseline.oodAurocEntropy) +
    row('OOD AUROC of mutual information', e.bayesian.oodAurocMutualInformation, null) +
    row('mean predictive entropy (nats)', e.bayesian.meanEntropy, e.baseline.meanEntropy) +
    row('mean expected entropy, aleatoric (nats)', e.bayesian.meanExpectedEntropy, null) +
    row('mean mutual information, epistemic (nats)', e.bayesian.meanMutualInformation, null) + '</table>';
}

function eceComparison(e: Evaluation): string {
  const c = e.eceVersusDeterministic;
  if (!c) return '';
  const verdict = c.upper < 0 ? 'the MC predictive is better calibrated' :
    c.lower > 0 ? 'the deterministic net is better calibrated' : 'the difference is within the sampling noise of this held-out set';
  return `<p>ECE of the MC predictive minus the deterministic net's: ${c.difference.toFixed(4)}, ` +
    `${Math.round(c.level * 100)}% paired-bootstrap interval [${c.lower.toFixed(4)}, ${c.upper.toFixed(4)}] ` +
    `(${c.resamples} resamples of the held-out digits): ${verdict}.</p>`;
}

function html(title: string, h: History | null, e: Evaluation, figures: Figure[]): string {
  const opts = h ? `<p>Model <b>${esc(h.model)}</b>, ${h.epochs.length} epochs on ${h.data.train} ${esc(h.data.source)} digits ` +
    `(${h.data.heldOut} held out), batch ${h.options.batchSize}, Adam ${h.options.lr}, KL weight ` +
    `${h.options.klWeight.toExponential(3)}, backend ${esc(h.options.backend)}, training ${h.trainSeconds.toFixed(0)} s.</p>` : '';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
td:first-child{text-align:left}figure{display:inline-block;margin:10px;vertical-align:top}
figcaption{font-size:0.9em;color:#555}</style></head><body><h1>${esc(title)}</h1>${opts}
<h2>Held-out metrics</h2>${metricsTable(e)}${eceComparison(e)}
<p>Out-of-distribution inputs are the held-out digits rotated by 90°. Reliability bins hold
confidences in (b/15, (b+1)/15]. The posterior-mean baseline uses every weight's posterior mean (one
deterministic pass).</p><h2>Figures</h2>
${figures.map((f) => `<figure>${f.svg}<figcaption>${esc(f.title)} (${esc(f.name)}.svg/.png)</figcaption></figure>`).join('\n')}
</body></html>
`;
}

/** What {@link writeReport} needs: a trained model, its evaluation and where to write. */
export interface ReportInput {
  model: tf.LayersModel;
  outDir: string;
  title: string;
  history: History | null;
  evaluation: Evaluation;
  details: EvaluationDetails;
  /** The held-out images the evaluation saw, `[N·784]` in [−1, 1]. */
  images: Float32Array;
}

/**
 * Writes report.html, evaluation.json and the figures (SVG, and PNG when `@resvg/resvg-js` is
 * installed) to `outDir`, all or none; returns the line that says what was written. Used by
 * `report` and at the end of `train` (from the evaluation it already did).
 */
export async function writeReport(r: ReportInput): Promise<string> {
  const figures = [...(r.history ? trainingFigures(r.history) : []), ...await weightFigures(r.model),
    ...evaluationFigures(r.evaluation, r.details, r.images)];
  const files: Array<[string, string | Uint8Array]> = [];
  const toPng = await pngRasteriser();
  for (const f of figures) {
    files.push([path.join(r.outDir, `${f.name}.svg`), f.svg]);
    if (toPng) files.push([path.join(r.outDir, `${f.name}.png`), toPng(f.svg)]);
  }
  files.push([path.join(r.outDir, 'evaluation.json'), JSON.stringify(r.evaluation, null, 1)],
      [path.join(r.outDir, 'report.html'), html(`Bayesian digit classifier report: ${r.title}`,
          r.history, r.evaluation, figures)]);
  await writeFilesAtomic(files);
  return `Wrote ${path.join(r.outDir, 'report.html')} and ${figures.length} figures ` +
      `(${toPng ? 'SVG + PNG' : 'SVG; npm install @resvg/resvg-js for PNG copies'}).`;
}

/** Runs `report`. */
export async function runReport(p: ParsedArgs, io: CommandIo,
    setBackend: (owner: string) => Promise<string>): Promise<void> {
  if (p.positional.length > 0) {
    throw new ValueError(`report: arguments must be options only; got ${fmt(p.positional)}.`);
  }
  const samples = getNumber(p, 'samples', 50);
  const dir = path.resolve(getString(p, 'model-dir', DEFAULT_MODEL_DIR));
  const outDir = ensureWritableDir('report', '--out', getString(p, 'out', path.join(dir, 'report')));
  const {model} = await loadModelDir('report', p, setBackend);
  const history = readHistory(dir);
  const fake = p.options.get('fake-data') === true;
  const data = heldOutFor(fake);
  const {evaluation, details} = await evaluateWithProgress(model, data, samples, 1000, io.err, p, setBackend);
  const written = await writeReport({model, outDir, title: history?.model ?? path.basename(dir), history,
    evaluation, details, images: data.images});
  model.dispose();
  io.out.write(`${formatEvaluation(evaluation)}\n${written}\n`);
}
