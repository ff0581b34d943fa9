import type { WorkDoneProgressReporter } from "vscode-languageserver/node";
import type { ProgressListener } from "../protocol/progress";
import { formatBytes } from "../format-bytes";

/**
 * Shows a pull's or push's progress lines as LSP work done progress: a percentage and "12.4 MB of 80.0 MB,
 * 3.10 MB/s", the speed counted over the bytes that actually moved since the transfer began.
 */
export function transferReport(reporter: WorkDoneProgressReporter): ProgressListener {
  const started = performance.now();
  const layers = new Map<string, number>();
  let first: number | undefined;
  return (line) => {
    if (line.type === "warning") return reporter.report(line.message);
    if (line.type !== "progress" || !line.layer || !line.total) return;
    layers.set(line.layer.id, line.layer.current);
    const done = [...layers.values()].reduce((sum, bytes) => sum + bytes, 0);
    first ??= done;
    const seconds = (performance.now() - started) / 1000;
    const speed = seconds > 0.5 ? `, ${formatBytes((done - first) / seconds)}/s` : "";
    reporter.report(Math.floor((done / line.total) * 100), `${formatBytes(done)} of ${formatBytes(line.total)}${speed}`);
  };
}
