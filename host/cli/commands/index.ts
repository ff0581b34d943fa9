import type { Command } from "../command";
import { run } from "./run";
import { serve } from "./serve";

export const commands: Command[] = [serve, run] as Command[];
