import { z } from "zod";

/**
 * One NDJSON line of a pull (`POST /models/create`) or push (`POST /models/{name}/push`) stream, in Docker Model
 * Runner's shape: clients draw their own bars from `total` and `layer`, `message` is for those that just print.
 */
export const progressLayerSchema = z.object({
  /** The blob's digest. */
  id: z.string(),
  size: z.number().int().nonnegative(),
  /** Bytes of this layer transferred (or found already present) so far. */
  current: z.number().int().nonnegative(),
});

export const progressLineSchema = z.object({
  type: z.enum(["progress", "success", "warning", "error"]),
  message: z.string(),
  /** Bytes of all layers of the model. */
  total: z.number().int().nonnegative().optional(),
  layer: progressLayerSchema.optional(),
});

export type ProgressLayer = z.infer<typeof progressLayerSchema>;
export type ProgressLine = z.infer<typeof progressLineSchema>;
export type ProgressListener = (line: ProgressLine) => void;
