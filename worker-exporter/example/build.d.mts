import type { BuildOptions } from 'esbuild';

export declare const workerdBuildOptions: BuildOptions;

export declare function buildExample(options?: { outfile?: string; minify?: boolean }): Promise<{ outfile: string; bytes: number; gzipBytes: number }>;
