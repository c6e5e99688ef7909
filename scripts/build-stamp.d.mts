export const buildDir: string;
export function serverSources(): { code: string[]; assets: string[] };
export function buildStamp(): string;
export function isBuildCurrent(): boolean;
