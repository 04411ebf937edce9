// Activates the compiled extension outside VS Code, with a stand-in `vscode` module (just what
// activation and vscode-languageclient's start touch) and one workspace folder, and waits until the
// real language client has started the server it found. Prints the output channel; exits 0 when the
// server runs and, if given, the "[client] using ..." line contains EXPECT.
//
//   node test/activate.js EXTENSION_DIR WORKSPACE_FOLDER [EXPECT]
//
// EXTENSION_DIR holds out/extension.js: this folder after `npm run compile`, or an unpacked
// .vsix's extension/ folder (which then must use its bundled server/nodepit).
'use strict';
const Module = require('module');
const path = require('path');
const [extDir, folder, expect] = process.argv.slice(2);
const lines = [];
let statusItem;
function any(name) {
  const fn = function () {};
  return new Proxy(fn, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === 'dispose') return () => {};
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === 'toString') return () => name;
      return any(name + '.' + String(prop));
    },
    apply() { return any(name + '()'); },
    construct() { return any('new ' + name); },
  });
}
const event = () => () => ({ dispose() {} });
const vscodeStub = new Proxy({
  version: '1.82.0',
  env: { language: 'en', appName: 'stub', machineId: 'x', sessionId: 'y', uiKind: 1 },
  workspace: new Proxy({
    workspaceFolders: [{ uri: { scheme: 'file', fsPath: folder, path: folder, toString: () => 'file://' + folder }, name: 'w', index: 0 }],
    isTrusted: true,
    textDocuments: [],
    notebookDocuments: [],
    getConfiguration: () => ({ get: (_k, d) => d, inspect: () => ({}), has: () => false }),
    onDidChangeConfiguration: event(), onDidGrantWorkspaceTrust: event(),
    createFileSystemWatcher: () => ({ onDidCreate: event(), onDidChange: event(), onDidDelete: event(), dispose() {} }),
    getWorkspaceFolder: () => undefined,
  }, { get: (t, p) => (p in t ? t[p] : p.startsWith && p.startsWith('onDid') ? event() : any('workspace.' + String(p))) }),
  window: new Proxy({
    createOutputChannel: () => ({ appendLine: (l) => { lines.push(l); }, append: (l) => lines.push(l), show() {}, dispose() {}, clear() {}, name: 'nodepit' }),
    createStatusBarItem: () => (statusItem = { show() {}, hide() {}, dispose() {} }),
    showErrorMessage: async (m) => { lines.push('ERROR MESSAGE: ' + m); },
    visibleTextEditors: [], visibleNotebookEditors: [], activeTextEditor: undefined,
  }, { get: (t, p) => (p in t ? t[p] : p.startsWith && p.startsWith('onDid') ? event() : any('window.' + String(p))) }),
  StatusBarAlignment: { Left: 1, Right: 2 },
  Uri: { file: (p) => ({ scheme: 'file', fsPath: p, path: p, toString: () => 'file://' + p }), parse: (u) => ({ scheme: 'file', fsPath: u.replace('file://', ''), toString: () => u }) },
  Disposable: class { constructor(f) { this.f = f; } dispose() {} static from() { return { dispose() {} }; } },
  EventEmitter: class { constructor() { this.event = () => ({ dispose() {} }); } fire() {} dispose() {} },
}, { get: (t, p) => (p in t ? t[p] : any('vscode.' + String(p))) });
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscodeStub;
  return load.call(this, request, ...rest);
};
const ext = require(path.resolve(extDir, 'out', 'extension.js'));
process.on('uncaughtException', (e) => finish(`uncaught: ${e.message}`));
process.on('unhandledRejection', (e) => lines.push(`unhandled: ${e && e.message}`));
ext.activate({ extensionPath: path.resolve(extDir), subscriptions: [] });

function finish(problem) {
  console.log(lines.join('\n'));
  const status = statusItem ? `${statusItem.text} | ${String(statusItem.tooltip).split('\n')[0]}` : 'no status item';
  console.log(`status bar: ${status}`);
  const using = lines.find((l) => l.startsWith('[client] using '));
  if (problem) console.log(problem);
  const ok = !problem && /server: running/.test(status) && (!expect || (using && using.includes(expect)));
  process.exit(ok ? 0 : 1);
}
const started = Date.now();
const timer = setInterval(() => {
  const tooltip = statusItem && String(statusItem.tooltip);
  if (tooltip && (/server: running/.test(tooltip) || /not running/.test(tooltip) || Date.now() - started > 15000)) {
    clearInterval(timer);
    finish();
  }
}, 100);
