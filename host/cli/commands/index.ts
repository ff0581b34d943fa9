import type { Command } from "../command";
import { bench } from "./bench";
import { configure } from "./configure";
import { df } from "./df";
import { inspect } from "./inspect";
import { installRunner, reinstallRunner } from "./install-runner";
import { login, logout } from "./login";
import { logs } from "./logs";
import { packageCommand } from "./package";
import { ls } from "./ls";
import { ps } from "./ps";
import { pull } from "./pull";
import { purge } from "./purge";
import { push } from "./push";
import { quants } from "./quants";
import { rm } from "./rm";
import { run } from "./run";
import { serve } from "./serve";
import { status } from "./status";
import { tag } from "./tag";
import { unload } from "./unload";
import { version } from "./version";

/** In `lmr --help` order: serving and running first, then the store, then the engines. */
export const commands = [serve, run, pull, push, packageCommand, ls, inspect, rm, tag, quants, purge, login, logout, configure, ps, unload, df, status, installRunner, reinstallRunner, logs, bench, version] as Command[];
