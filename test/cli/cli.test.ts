import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { lmr, type TestHost } from "../helpers/host";
import { writeTinyModel } from "../fixtures/model-tiny";
import { NAMES, RECIPES, startHostWithModels, type TestModels } from "../helpers/models";

describe("the lmr command line", () => {
  let host: TestHost;
  let models: TestModels;

  before(async () => {
    ({ host, models } = await startHostWithModels(["chatml"]));
  });
  after(async () => {
    await host?.stop();
  });

  it("lists its commands, and each command has --help", async () => {
    const help = await lmr(["--help"]);
    assert.equal(help.code, 0);
    for (const command of ["serve", "run", "pull", "push", "package", "ls", "rm", "tag", "inspect", "configure", "ps", "unload", "df", "status", "logs"])
      assert.match(help.stdout, new RegExp(`^  ${command} `, "m"), `${command} is listed`);
    const run = await lmr(["run", "--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: lmr run MODEL \[PROMPT\]/);
    assert.match(run.stdout, /--detach/);
  });

  it("packages a GGUF file and lists it", async () => {
    const llama3 = await writeTinyModel(models.dir, RECIPES.llama3);
    const packaged = await host.lmr(["package", "--gguf", llama3.path, "--context-size", "256", NAMES.llama3]);
    assert.equal(packaged.code, 0, packaged.stderr);
    assert.match(packaged.stdout, /Packaged test\/llama3:latest/);
    const ls = await host.lmr(["ls"]);
    assert.match(ls.stdout, /^MODEL NAME\s+PARAMETERS\s+QUANTIZATION/m);
    assert.match(ls.stdout, new RegExp(`^${NAMES.llama3}:latest\\s+${llama3.expected.parameters.replace(".", "\\.")}\\s+${llama3.expected.quantization}\\s+llama`, "m"));
    const json = JSON.parse((await host.lmr(["ls", "--json"])).stdout) as { id: string; tags: string[]; config: { context_size?: number } }[];
    const entry = json.find((model) => model.tags.includes(`${NAMES.llama3}:latest`));
    assert.equal(entry?.config.context_size, 256);
    const quiet = await host.lmr(["ls", "-q"]);
    assert.ok(quiet.stdout.split("\n").includes(entry!.id.slice(7, 19)));
  });

  it("answers a prompt with the model's reply", async () => {
    const result = await host.lmr(["run", NAMES.chatml, "Write a haiku"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), models.chatml.expected.chatReply);
  });

  it("takes the prompt from standard input when it is piped", async () => {
    const result = await host.lmr(["run", NAMES.chatml], { input: "Summarize this file\n" });
    assert.equal(result.stdout.trim(), models.chatml.expected.chatReply);
  });

  it("inspects a model as JSON", async () => {
    const result = await host.lmr(["inspect", NAMES.chatml]);
    const model = JSON.parse(result.stdout) as { id: string; tags: string[]; config: { format: string; architecture: string } };
    assert.match(model.id, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(model.tags, [`${NAMES.chatml}:latest`]);
    assert.equal(model.config.format, "gguf");
    assert.equal(model.config.architecture, "llama");
  });

  it("tags a model and removes one name without losing the other", async () => {
    assert.equal((await host.lmr(["tag", NAMES.chatml, "me/alias:v1"])).code, 0);
    assert.match((await host.lmr(["ls"])).stdout, /^me\/alias:v1\s/m);
    const removed = await host.lmr(["rm", "me/alias:v1"]);
    assert.match(removed.stdout, /Untagged: me\/alias:v1/);
    const after = await host.lmr(["run", NAMES.chatml, "still here?"]);
    assert.equal(after.stdout.trim(), models.chatml.expected.chatReply);
  });

  it("configures a model's context size, and ps shows the size in force", async () => {
    assert.equal((await host.lmr(["configure", "--context-size", "384", NAMES.chatml])).code, 0);
    const shown = JSON.parse((await host.lmr(["configure", "show", NAMES.chatml])).stdout) as { contextSize: number };
    assert.equal(shown.contextSize, 384);
    await host.lmr(["run", NAMES.chatml, "hi"]);
    const ps = await host.lmr(["ps"]);
    assert.match(ps.stdout, new RegExp(`^${NAMES.chatml}:latest\\s+llama\\.cpp\\s+\\S+\\s+384\\s`, "m"));
  });

  it("refuses runtime flags outside the allowlist, naming the allowed ones", async () => {
    const result = await host.lmr(["configure", NAMES.chatml, "--", "--model", "/etc/passwd"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /runtime flag --model is not allowed/);
    assert.match(result.stderr, /--threads/);
  });

  it("refuses an invalid model name with the rule and an example", async () => {
    const result = await host.lmr(["package", "--gguf", models.chatml.path, "../../etc/x"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Error: /);
    assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
  });

  it("says how to start a host when none answers", async () => {
    const result = await lmr(["ls"], { env: { LMR_HOST: "http://127.0.0.1:9" } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no Local Model Runner host answers at http:\/\/127\.0\.0\.1:9/);
    assert.match(result.stderr, /lmr serve/);
  });

  it("unloads models and reports disk usage and status", async () => {
    await host.lmr(["run", NAMES.chatml, "hi"]);
    const unloaded = await host.lmr(["unload", "--all"]);
    assert.match(unloaded.stdout, /Unloaded 1 model/);
    assert.doesNotMatch((await host.lmr(["ps"])).stdout, /test\/chatml/);
    assert.match((await host.lmr(["df"])).stdout, /^Models\s+\d/m);
    const status = await host.lmr(["status"]);
    assert.match(status.stdout, /^llama\.cpp: Running: \S+, GPU: /m);
    assert.match(status.stdout, /^vllm: /m);
    const logs = await host.lmr(["logs"]);
    assert.match(logs.stdout, /INFO  \[scheduler\] loading test\/chatml:latest on llama\.cpp/);
  });

  it("benchmarks a model at each concurrency level", async () => {
    const result = await host.lmr(["bench", NAMES.chatml, "--concurrency", "1,2", "--requests", "2", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { results: { concurrency: number; requests: number; tokensPerSecond: number; ttftMs: { median: number } }[] };
    assert.deepEqual(report.results.map((r) => [r.concurrency, r.requests]), [[1, 2], [2, 2]]);
    for (const level of report.results) {
      assert.ok(level.tokensPerSecond > 0);
      assert.ok(level.ttftMs.median > 0);
    }
    const shown = await host.lmr(["bench", NAMES.chatml, "-c", "1", "-n", "1"]);
    assert.match(shown.stdout, /^CONCURRENCY\s+REQUESTS\s+TOKENS\/S/m);
  });
});
