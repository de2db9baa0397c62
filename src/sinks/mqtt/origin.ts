/**
 * Home Assistant's `o` (origin) of the discovery configs: kaifareader's version and, when package.json names
 * one (`homepage`, else `bugs.url`), the support URL. Read once from the package.json beside src/ and dist/;
 * without it (an unusual install) the origin is just the name.
 */
import { readFileSync } from 'node:fs';

export interface Origin {
  swVersion?: string;
  supportUrl?: string;
}

let cached: Origin | undefined;

export function packageOrigin(): Origin {
  if (cached) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
      homepage?: unknown;
      bugs?: { url?: unknown };
    };
    const url = typeof pkg.homepage === 'string' ? pkg.homepage : pkg.bugs?.url;
    cached = {
      ...(typeof pkg.version === 'string' ? { swVersion: pkg.version } : {}),
      ...(typeof url === 'string' ? { supportUrl: url } : {}),
    };
  } catch {
    cached = {};
  }
  return cached;
}
