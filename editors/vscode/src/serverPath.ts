// Finds the nodepit binary the extension starts, in the order the ESLint and Biome extensions use:
// the project's own install first (so everyone on the project runs the version its package.json pins),
// then the user's setting, then the binary shipped in a platform-specific .vsix, then PATH.
// No `vscode` import: plain Node can load and test this module.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The default of `nodepit.path`; a value equal to it counts as "not set". */
export const DEFAULT_PATH = 'nodepit';

/** The environment variables the lookup reads. */
export type Env = Record<string, string | undefined>;

export type Source = 'node_modules' | 'setting' | 'bundled' | 'PATH';

export interface LookupInput {
  /** File-system paths of the workspace folders, first folder first. */
  folders: string[];
  /** Whether the workspace is trusted: an untrusted one never gets its own binary run. */
  trusted: boolean;
  /** `nodepit.path` as the extension may honour it (the workspace's value only when trusted). */
  configured: string | undefined;
  /** The extension's install folder; a platform .vsix holds `server/nodepit` there. */
  extensionPath: string;
  platform?: NodeJS.Platform;
  env?: Env;
  homedir?: string;
}

export interface Found {
  command: string;
  source: Source;
  /** One line for the output channel: which binary and why this one. */
  reason: string;
  /** Windows .cmd launchers (npm's node_modules/.bin shims) only start through a shell. */
  shell: boolean;
  /** What was looked at before it, each with why it was passed over. */
  skipped: string[];
}

export interface NotFound {
  command: undefined;
  skipped: string[];
}

export function findServer(input: LookupInput): Found | NotFound {
  const platform = input.platform ?? process.platform;
  const env = input.env ?? process.env;
  const win = platform === 'win32';
  const skipped: string[] = [];
  const found = (command: string, source: Source, reason: string): Found => ({
    command,
    source,
    reason,
    shell: win && /\.(cmd|bat)$/i.test(command),
    skipped,
  });

  // 1. The project's install (`npm i -D nodepit`): node_modules/.bin/nodepit, nodepit.cmd on Windows.
  const bin = win ? 'nodepit.cmd' : 'nodepit';
  for (const folder of input.folders) {
    const candidate = path.join(folder, 'node_modules', '.bin', bin);
    if (!input.trusted) {
      if (isExecutable(candidate, platform)) {
        skipped.push(`${candidate}: not run because the workspace is not trusted`);
      }
      continue;
    }
    if (isExecutable(candidate, platform)) {
      return found(candidate, 'node_modules', `the project's own nodepit (${candidate}), installed by npm`);
    }
    skipped.push(`${candidate}: not there`);
  }

  // 2. The `nodepit.path` setting, when the user changed it from the default.
  const configured = input.configured?.trim();
  if (configured && configured !== DEFAULT_PATH) {
    const resolved = resolveCommand(configured, input.folders[0], platform, env, input.homedir ?? os.homedir());
    if (resolved) {
      return found(resolved, 'setting', `the \`nodepit.path\` setting (${configured})`);
    }
    skipped.push(`nodepit.path \`${configured}\`: no such executable`);
  }

  // 3. The binary a platform-specific .vsix carries.
  const bundled = path.join(input.extensionPath, 'server', win ? 'nodepit.exe' : 'nodepit');
  if (isExecutable(bundled, platform)) {
    return found(bundled, 'bundled', `the binary bundled with the extension (${bundled})`);
  }
  skipped.push(`${bundled}: not there (only platform-specific .vsix builds carry one)`);

  // 4. PATH, e.g. after `cargo install` or `npm i -g nodepit`.
  const onPath = searchPath(DEFAULT_PATH, platform, env);
  if (onPath) {
    return found(onPath, 'PATH', `\`nodepit\` found on PATH (${onPath})`);
  }
  skipped.push('`nodepit` on PATH: not found');
  return { command: undefined, skipped };
}

/**
 * Turns a configured path into something spawnable, or undefined when no such executable exists.
 * `~` is expanded, relative paths with a separator are taken from the first workspace folder,
 * and a bare name is searched on PATH (with PATHEXT on Windows).
 */
export function resolveCommand(
  configured: string,
  folder: string | undefined,
  platform: NodeJS.Platform,
  env: Env,
  homedir: string,
): string | undefined {
  let candidate = configured;
  if (candidate === '~' || candidate.startsWith('~/') || candidate.startsWith('~\\')) {
    candidate = path.join(homedir, candidate.slice(1));
  }
  const hasSeparator = candidate.includes('/') || (platform === 'win32' && candidate.includes('\\'));
  if (hasSeparator) {
    if (!path.isAbsolute(candidate)) {
      candidate = path.resolve(folder ?? process.cwd(), candidate);
    }
    return withExtensions(candidate, platform, env).find((f) => isExecutable(f, platform));
  }
  return searchPath(candidate, platform, env);
}

function searchPath(name: string, platform: NodeJS.Platform, env: Env): string | undefined {
  const delimiter = platform === 'win32' ? ';' : ':';
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const hit = withExtensions(path.join(dir, name), platform, env).find((f) => isExecutable(f, platform));
    if (hit) {
      return hit;
    }
  }
  return undefined;
}

function withExtensions(file: string, platform: NodeJS.Platform, env: Env): string[] {
  if (platform !== 'win32' || path.extname(file)) {
    return [file];
  }
  const exts = (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean);
  return [file, ...exts.map((ext) => file + ext.toLowerCase())];
}

function isExecutable(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    fs.accessSync(file, platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
