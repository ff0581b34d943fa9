import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { medianInterval, summarize, type Sample } from "../../bench/measure";
import { figureRows, formatComparison, formatPaired, formatTargets } from "../../bench/table";
import { judgeTargets, TARGETS } from "../../bench/targets";

const sample = (ttftMs: number, generationMs: number): Sample => ({ promptTokens: 512, evaluatedTokens: 511, completionTokens: 129, ttftMs, generationMs });

describe("the benchmark's report", () => {
  it("takes medians, counts prompt speed over evaluated tokens and generation after the first token", () => {
    const figures = summarize({ short: [sample(10, 1000), sample(30, 4000), sample(20, 2000)], long: [sample(511, 1000), sample(1022, 1000), sample(2044, 1000)] });
    assert.equal(figures.ttftShortMs, 20);
    assert.equal(figures.generationAfterShortTokensPerSecond, 64);
    assert.equal(figures.promptTokensPerSecond, 500);
  });

  it("takes the best repetition of each figure: the fastest speed, the shortest time to first token", () => {
    const figures = summarize({ short: [sample(10, 1000), sample(30, 4000), sample(20, 2000)], long: [sample(511, 1000), sample(1022, 1000), sample(2044, 1000)] }, "best");
    assert.equal(figures.ttftShortMs, 10);
    assert.equal(figures.generationAfterShortTokensPerSecond, 128);
    assert.equal(figures.promptTokensPerSecond, 1000);
    assert.equal(figures.ttftLongMs, 511);
  });

  it("prints speeds as ratios to the bar and times to first token as differences in ms", () => {
    const rows = figureRows(
      [
        { name: "bar", figures: { promptTokensPerSecond: 500, generationAfterShortTokensPerSecond: 100, generationAfterLongTokensPerSecond: 80, ttftShortMs: 40, ttftLongMs: 900 } },
        { name: "ours", figures: { promptTokensPerSecond: 490, generationAfterShortTokensPerSecond: 95, generationAfterLongTokensPerSecond: 80, ttftShortMs: 45, ttftLongMs: 880 } },
        { name: "missing", figures: undefined },
      ],
      { shortTokens: 8, longTokens: 512, generatedTokens: 128 },
    );
    const table = formatComparison(["bar", "ours", "missing"], rows).split("\n");
    assert.match(table[0]!, /bar\s+ours\s+missing\s+ours \/ bar\s+missing \/ bar$/);
    assert.match(table.find((line) => line.startsWith("tg128 tok/s after 8-token prompt"))!, /100\.0\s+95\.0\s+n\/a\s+0\.950×\s+n\/a$/);
    assert.match(table.find((line) => line.startsWith("TTFT ms, 512-token prompt"))!, /900\.00\s+880\.00\s+n\/a\s+-20\.00 ms\s+n\/a$/);
  });

  it("holds the other columns to the faster of two bars in each row, and a missing bar to the one that ran", () => {
    const rows = figureRows(
      [
        { name: "pool", figures: { promptTokensPerSecond: 560, generationAfterShortTokensPerSecond: 100, generationAfterLongTokensPerSecond: 80, ttftShortMs: 40, ttftLongMs: 900 } },
        { name: "omp", figures: { promptTokensPerSecond: 500, generationAfterShortTokensPerSecond: 110, generationAfterLongTokensPerSecond: 78, ttftShortMs: 35, ttftLongMs: 950 } },
        { name: "ours", figures: { promptTokensPerSecond: 546, generationAfterShortTokensPerSecond: 99, generationAfterLongTokensPerSecond: 80, ttftShortMs: 45, ttftLongMs: 880 } },
      ],
      { shortTokens: 8, longTokens: 512, generatedTokens: 128 },
    );
    const table = formatComparison(["pool", "omp", "ours"], rows, 2).split("\n");
    assert.match(table[0]!, /pool\s+omp\s+ours\s+ours \/ best bar$/);
    assert.match(table.find((line) => line.startsWith("pp512"))!, /0\.975×$/);
    assert.match(table.find((line) => line.startsWith("tg128 tok/s after 8-token prompt"))!, /0\.900×$/);
    assert.match(table.find((line) => line.startsWith("TTFT ms, 8-token prompt"))!, /\+10\.00 ms$/);
    assert.match(table.find((line) => line.startsWith("TTFT ms, 512-token prompt"))!, /-20\.00 ms$/);

    const [, omp, ours] = rows[0]!.values;
    const oneBarMissing = formatComparison(["pool", "omp", "ours"], [{ label: "pp512", kind: "speed", values: [undefined, omp, ours] }], 2);
    assert.match(oneBarMissing.split("\n")[1]!, /n\/a\s+500\.0\s+546\.0\s+1\.092×$/);
  });

  it("pairs each round with each bar of that round and takes the median of those ratios, not the ratio of medians", () => {
    const workload = { shortTokens: 8, longTokens: 512, generatedTokens: 128 };
    const round = (pool: number, omp: number, ours: number, oursTtft: number) =>
      figureRows(
        [
          { name: "pool", figures: { promptTokensPerSecond: pool, generationAfterShortTokensPerSecond: 100, generationAfterLongTokensPerSecond: 80, ttftShortMs: 40, ttftLongMs: 900 } },
          { name: "omp", figures: { promptTokensPerSecond: omp, generationAfterShortTokensPerSecond: 100, generationAfterLongTokensPerSecond: 80, ttftShortMs: 42, ttftLongMs: 900 } },
          { name: "ours", figures: { promptTokensPerSecond: ours, generationAfterShortTokensPerSecond: 100, generationAfterLongTokensPerSecond: 80, ttftShortMs: oursTtft, ttftLongMs: 900 } },
        ],
        workload,
      );
    // The machine's speed changes between rounds; in two of three, ours keeps within 2 % of its round's pool bar.
    // The medians of the columns taken apart (ours 560, pool 600) would say 0.933×.
    const rounds = [round(600, 500, 590, 45), round(300, 280, 294, 41), round(700, 700, 560, 50)];
    const table = formatPaired(["pool", "omp", "ours"], rounds, 2).split("\n");
    assert.match(table[0]!, /ours \/ pool\s+ours \/ omp$/);
    // Three rounds are too few for a 90% interval of the median: it spans them all.
    assert.match(table.find((line) => line.startsWith("pp512"))!, /0\.980× \(0\.800…0\.983\)\s+1\.050× \(0\.800…1\.180\)$/);
    assert.match(table.find((line) => line.startsWith("TTFT ms, 8-token prompt"))!, /\+5\.00 ms \(\+1\.00…\+10\.00\)\s+\+3\.00 ms \(-1\.00…\+8\.00\)$/);
  });

  it("bounds the median with order statistics that hold it at 90% confidence, whatever the noise's shape", () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => n - i);
    // Binomial(9, 1/2): the 2nd smallest to the 2nd largest holds the median with 96.1%; the 3rd to the 3rd, 82.0%.
    assert.deepEqual(medianInterval(values(9)), { low: 2, high: 8 });
    // Binomial(20, 1/2): 6th to 15th, 95.9%; 7th to 14th, 88.5%.
    assert.deepEqual(medianInterval(values(20)), { low: 6, high: 15 });
    // Binomial(30, 1/2): 11th to 20th, 90.1%.
    assert.deepEqual(medianInterval(values(30)), { low: 11, high: 20 });
    assert.deepEqual(medianInterval(values(4)), { low: 1, high: 4 });
    // At 50%: the 3rd to the 7th holds it with 82.0%, the 4th to the 6th with only 49.2%. Unsorted input is sorted.
    assert.deepEqual(medianInterval([5, 1, 3, 2, 4, 9, 8, 7, 6], 0.5), { low: 3, high: 7 });
  });

  it("judges each target against each bar on the paired median, and a bar that could not run as not measured", () => {
    const workload = { shortTokens: 8, longTokens: 512, generatedTokens: 128 };
    const figures = (pp: number, tg: number, ttft: number) => ({ promptTokensPerSecond: pp, generationAfterShortTokensPerSecond: tg, generationAfterLongTokensPerSecond: 80, ttftShortMs: ttft, ttftLongMs: 900 });
    const round = (ours: number) =>
      figureRows(
        [
          { name: "pool", figures: figures(600, 100, 40) },
          { name: "omp", figures: undefined },
          { name: "ours", figures: figures(ours, 94, 51) },
        ],
        workload,
      );
    const rounds = [round(588), round(600), round(570)];
    const verdicts = judgeTargets(["pool", "omp", "ours"], rounds, 2, "ours", TARGETS);
    const byFigure = (key: string, bar: string) => verdicts.find((v) => v.target.key === key && v.bar === bar)!;
    assert.equal(byFigure("promptTokensPerSecond", "pool").met, true);
    assert.equal(byFigure("promptTokensPerSecond", "pool").estimate?.median, 0.98);
    assert.equal(byFigure("generationAfterShortTokensPerSecond", "pool").met, false);
    assert.equal(byFigure("generationAfterLongTokensPerSecond", "pool").met, true);
    assert.equal(byFigure("ttftShortMs", "pool").met, false);
    assert.equal(byFigure("promptTokensPerSecond", "omp").estimate, undefined);
    const table = formatTargets("ours", verdicts).split("\n");
    assert.match(table.find((line) => line.startsWith("pp512") && line.includes("pool"))!, /≥ 0\.98×\s+pool\s+0\.980× \(0\.950…1\.000\)\s+met, 0\.0000 to spare$/);
    assert.match(table.find((line) => line.startsWith("tg128 tok/s after 8") && line.includes("pool"))!, /0\.940× \(0\.940…0\.940\)\s+missed by 0\.0100$/);
    assert.match(table.find((line) => line.startsWith("TTFT ms, 8") && line.includes("pool"))!, /≤ \+10\.00 ms\s+pool\s+\+11\.00 ms \(\+11\.00…\+11\.00\)\s+missed by 1\.00 ms$/);
    assert.match(table.find((line) => line.startsWith("tg128 tok/s after 512") && line.includes("pool"))!, /met, 0\.0500 to spare$/);
    assert.match(table.find((line) => line.startsWith("pp512") && line.includes("omp"))!, /n\/a\s+not measured$/);
  });

  it("reports a prompt-only run's prompt speed and its target alone, with no generation or short-prompt rows", () => {
    const workload = { shortTokens: 8, longTokens: 512, generatedTokens: 1 };
    const oneToken = (ttftMs: number): Sample => ({ promptTokens: 512, evaluatedTokens: 511, completionTokens: 1, ttftMs, generationMs: 0 });
    const round = (bar: number, ours: number) =>
      figureRows(
        [
          { name: "bar", figures: summarize({ short: [], long: [oneToken(bar)] }) },
          { name: "ours", figures: summarize({ short: [], long: [oneToken(ours)] }) },
        ],
        workload,
      );
    const rounds = [round(700, 710), round(800, 800), round(730, 760)];
    assert.deepEqual(rounds[0]!.map((row) => row.label), ["pp512 tok/s", "TTFT ms, 512-token prompt"]);
    const verdicts = judgeTargets(["bar", "ours"], rounds, 1, "ours", TARGETS);
    assert.deepEqual(verdicts.map((verdict) => verdict.target.key), ["promptTokensPerSecond"]);
    assert.equal(verdicts[0]!.estimate?.median, 700 / 710);
    assert.equal(verdicts[0]!.met, true);
  });
});
