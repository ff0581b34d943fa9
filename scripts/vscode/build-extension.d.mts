export function buildExtension(): Promise<void>;
export function buildExtensionTests(outdir: string): Promise<void>;
