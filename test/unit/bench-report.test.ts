import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarize, type Sample } from "../../bench/measure";
import { figureRows, formatComparison, formatPaired } from "../../bench/table";

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
    assert.match(table.find((line) => line.startsWith("pp512"))!, /0\.980×\s+1\.050×$/);
    assert.match(table.find((line) => line.startsWith("TTFT ms, 8-token prompt"))!, /\+5\.00 ms\s+\+3\.00 ms$/);
  });
});
