import * as vscode from "vscode";

/** The language the log grammar (syntaxes/lmr-log.tmLanguage.json) colours: levels, times, engines, models, errors. */
export const LOG_LANGUAGE = "lmr-log";

/**
 * The host's and the engines' log. The host writes every line to stderr, and the language client copies its
 * server's stderr into the output channel it is given, so this channel is that one.
 */
export function createLogChannel(): vscode.OutputChannel {
  return vscode.window.createOutputChannel("Model Runner", LOG_LANGUAGE);
}
