// The server lookup order, on real files in a temporary folder: node_modules/.bin first, then
// `nodepit.path`, then the bundled server/, then PATH; untrusted workspaces never run their own.
// Plain Node, no VS Code: `node test/serverPath.test.js [compiled serverPath.js]` (npm test compiles first).
'use strict';

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');

const modulePath = path.resolve(process.argv[2] || path.join(__dirname, '..', 'out', 'serverPath.js'));
const { findServer } = require(modulePath);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodepit-lookup-'));
function exe(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, 0o755);
  return file;
}

const project = path.join(tmp, 'project');
const other = path.join(tmp, 'other');
fs.mkdirSync(other, { recursive: true });
const local = exe(path.join(project, 'node_modules', '.bin', 'nodepit'));
const localCmd = exe(path.join(project, 'node_modules', '.bin', 'nodepit.cmd'));
const configured = exe(path.join(tmp, 'build', 'nodepit'));
const ext = path.join(tmp, 'extension');
const bundled = exe(path.join(ext, 'server', 'nodepit'));
const onPath = exe(path.join(tmp, 'bin', 'nodepit'));
const env = { PATH: path.join(tmp, 'bin') };
// Not executable: the lookup must pass it over.
fs.mkdirSync(path.join(tmp, 'plain'));
fs.writeFileSync(path.join(tmp, 'plain', 'nodepit'), '');

const base = { folders: [project], trusted: true, configured: configured, extensionPath: ext, env, platform: 'linux', homedir: tmp };
let checks = 0;
function expect(input, source, command) {
  const found = findServer({ ...base, ...input });
  assert.strictEqual(found.source, source, JSON.stringify(found));
  assert.strictEqual(found.command, command, JSON.stringify(found));
  checks++;
  return found;
}

// 1. node_modules/.bin wins over everything, in the first folder that has one.
let f = expect({}, 'node_modules', local);
assert.match(f.reason, /project's own nodepit/);
assert.strictEqual(f.shell, false);
expect({ folders: [other, project] }, 'node_modules', local);
// Windows: the .cmd shim, started through a shell.
f = expect({ platform: 'win32', env: { PATH: '' } }, 'node_modules', localCmd);
assert.strictEqual(f.shell, true);

// An untrusted workspace never runs its own binary; the skip is reported.
f = expect({ trusted: false }, 'setting', configured);
assert.ok(f.skipped.some((s) => s.includes('not trusted')), f.skipped.join('\n'));

// 2. The setting, when there is no local install; relative to the first folder, `~` expanded.
expect({ folders: [other] }, 'setting', configured);
expect({ folders: [tmp], configured: 'build/nodepit' }, 'setting', configured);
expect({ folders: [other], configured: '~/build/nodepit' }, 'setting', configured);
// A setting that names nothing runnable falls through, and says so.
f = expect({ folders: [other], configured: path.join(tmp, 'plain', 'nodepit') }, 'bundled', bundled);
assert.ok(f.skipped.some((s) => s.startsWith('nodepit.path')), f.skipped.join('\n'));

// 3. The bundled server when the setting is left at its default.
expect({ folders: [other], configured: 'nodepit' }, 'bundled', bundled);
expect({ folders: [other], configured: undefined }, 'bundled', bundled);

// 4. PATH last.
expect({ folders: [other], configured: undefined, extensionPath: path.join(tmp, 'none') }, 'PATH', onPath);

// Nothing anywhere: no command, and every place tried is listed.
f = findServer({ ...base, folders: [other], configured: undefined, extensionPath: path.join(tmp, 'none'), env: { PATH: '' } });
assert.strictEqual(f.command, undefined);
assert.strictEqual(f.skipped.length, 3, f.skipped.join('\n'));
checks++;

fs.rmSync(tmp, { recursive: true, force: true });
console.log(`lookup order: ${checks} checks passed`);
