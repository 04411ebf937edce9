import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  Message,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { DEFAULT_PATH, findServer } from './serverPath';

const LANGUAGES = ['javascript', 'javascriptreact', 'typescript', 'typescriptreact'];
const INSTALL_HINT =
  'Add it to the project with `npm i -D nodepit`, or set `nodepit.path` to a nodepit binary.';

let client: LanguageClient | undefined;
/** The nodepit.toml watcher handed to the current client; the client does not dispose it. */
let watcher: vscode.FileSystemWatcher | undefined;
let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
/** Serializes start/stop/restart so quick successive triggers cannot interleave. */
let queue: Promise<void> = Promise.resolve();
/** Set when the last start failed; shown in the status bar until the next start. */
let startError: string | undefined;
/** Where the extension is installed; a platform-specific .vsix carries `server/nodepit` there. */
let extensionPath = '';

/** What the server reads from `initializationOptions` and the `nodepit` settings section. */
interface ServerSettings {
  enable: boolean;
  rules: Record<string, string>;
  docsBaseUrl: string | null;
}

function serverSettings(): ServerSettings {
  const config = vscode.workspace.getConfiguration('nodepit');
  const docsBaseUrl = config.get<string | null>('docsBaseUrl', null);
  return {
    enable: config.get<boolean>('enable', true),
    rules: config.get<Record<string, string>>('rules', {}),
    docsBaseUrl: docsBaseUrl ? docsBaseUrl : null,
  };
}

export function activate(context: vscode.ExtensionContext): void {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel('nodepit');
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  statusItem.name = 'nodepit';
  statusItem.command = 'nodepit.showOutput';
  context.subscriptions.push(output, statusItem);

  context.subscriptions.push(
    vscode.commands.registerCommand('nodepit.restart', () => enqueue(restart)),
    vscode.commands.registerCommand('nodepit.showOutput', () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // Other settings reach the running server through didChangeConfiguration;
      // a new binary needs a new process.
      if (e.affectsConfiguration('nodepit.path')) {
        void enqueue(restart);
      } else if (e.affectsConfiguration('nodepit.enable')) {
        updateStatus();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      // The project's node_modules/.bin/nodepit and `nodepit.path` from workspace settings are
      // honoured only once the workspace is trusted, so either may now pick another binary.
      void enqueue(restart);
    }),
  );

  updateStatus();
  statusItem.show();
  void enqueue(start);
}

export function deactivate(): Thenable<void> | undefined {
  return enqueue(stop);
}

function enqueue(task: () => Promise<void>): Promise<void> {
  queue = queue.then(task, task);
  return queue;
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function stop(): Promise<void> {
  const old = client;
  client = undefined;
  disposeWatcher();
  if (!old) {
    return;
  }
  try {
    if (old.isRunning()) {
      await old.stop(5000);
    }
  } catch (err) {
    output.appendLine(`[client] error while stopping the server: ${message(err)}`);
  }
  try {
    await old.dispose();
  } catch {
    // already stopped
  }
  updateStatus();
}

async function start(): Promise<void> {
  startError = undefined;
  const folders = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => f.uri.fsPath);
  const lookup = findServer({
    folders,
    trusted: vscode.workspace.isTrusted,
    configured: configuredPath(),
    extensionPath: extensionPath,
  });
  for (const line of lookup.skipped) {
    output.appendLine(`[client] skipped ${line}`);
  }
  if (!lookup.command) {
    startError = 'cannot find the nodepit binary';
    output.appendLine(`[client] ${startError}. ${INSTALL_HINT}`);
    updateStatus();
    void reportStartFailure(`nodepit: cannot find the language server. ${INSTALL_HINT}`);
    return;
  }
  const found = lookup;
  output.appendLine(`[client] using ${found.reason}`);
  // A .cmd shim goes through cmd.exe, which splits an unquoted path at its spaces.
  const command = found.shell && found.command.includes(' ') ? `"${found.command}"` : found.command;

  const cwd = folders[0];
  const serverOptions: ServerOptions = {
    command,
    // No `transport`: TransportKind.stdio would append `--stdio`, which `nodepit lsp` rejects.
    args: ['lsp'],
    options: { ...(cwd ? { cwd } : {}), ...(found.shell ? { shell: true } : {}) },
  };
  const handler = new CrashHandler();
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    synchronize: {
      configurationSection: 'nodepit',
      fileEvents: (watcher = vscode.workspace.createFileSystemWatcher('**/nodepit.toml')),
    },
    initializationOptions: () => serverSettings(),
    outputChannel: output,
    errorHandler: handler,
    middleware: {
      workspace: {
        // A `nodepit.path` change both restarts this client and makes it send the new settings;
        // a send that loses that race to the restart is harmless, so it is not reported.
        didChangeConfiguration: async (sections, send) => {
          try {
            await send(sections);
          } catch (err) {
            if (client === lc && lc.isRunning()) {
              throw err;
            }
          }
        },
      },
    },
    initializationFailedHandler: (err) => {
      output.appendLine(`[client] the server failed to initialize: ${message(err)}`);
      return false;
    },
  };

  const lc = new LanguageClient('nodepit', 'nodepit', serverOptions, clientOptions);
  lc.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      handler.started = true;
    }
    updateStatus();
  });
  client = lc;
  updateStatus();
  output.appendLine(`[client] starting \`${command} lsp\``);
  try {
    await lc.start();
  } catch (err) {
    startError = message(err);
    output.appendLine(`[client] could not start \`${command} lsp\`: ${startError}`);
    if (client === lc) {
      client = undefined;
      disposeWatcher();
    }
    try {
      await lc.dispose();
    } catch {
      // never started
    }
    updateStatus();
    void reportStartFailure(
      `nodepit: \`${command} lsp\` did not start (${startError}); its own error is in the output. ${INSTALL_HINT}`,
    );
    return;
  }
  updateStatus();
}

/**
 * Like the client's default handler, but a server that dies before it ever ran is not restarted
 * (start() then fails once and is reported once), and repeated crashes stop after five in three minutes.
 */
class CrashHandler implements ErrorHandler {
  started = false;
  private crashes: number[] = [];

  error(_error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    if (!this.started) {
      // start() rejects and is reported by start(); no second message here.
      return { action: ErrorAction.Shutdown, handled: true };
    }
    return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
  }

  closed(): CloseHandlerResult {
    if (!this.started) {
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < 3 * 60 * 1000);
    this.crashes.push(now);
    if (this.crashes.length < 5) {
      output.appendLine('[client] the server exited unexpectedly; restarting it');
      return { action: CloseAction.Restart, handled: true };
    }
    startError = 'the server crashed 5 times in 3 minutes';
    return {
      action: CloseAction.DoNotRestart,
      message: 'nodepit: the language server crashed 5 times in the last 3 minutes and will not be restarted. See the output, then run "nodepit: Restart Server".',
    };
  }
}

function disposeWatcher(): void {
  watcher?.dispose();
  watcher = undefined;
}

async function reportStartFailure(text: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(text, 'Open Settings', 'Show Output');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'nodepit.path');
  } else if (choice === 'Show Output') {
    output.show(true);
  }
}

/** `nodepit.path`, ignoring the workspace's value while the workspace is untrusted. */
function configuredPath(): string {
  const inspected = vscode.workspace.getConfiguration('nodepit').inspect<string>('path');
  const value = vscode.workspace.isTrusted
    ? vscode.workspace.getConfiguration('nodepit').get<string>('path')
    : inspected?.globalValue;
  return value && value.trim() ? value.trim() : DEFAULT_PATH;
}

function updateStatus(): void {
  if (!statusItem) {
    return;
  }
  const settings = serverSettings();
  let icon: string;
  let state: string;
  let healthy = false;
  if (client?.state === State.Running) {
    const info = client.initializeResult?.serverInfo;
    icon = settings.enable ? '$(check)' : '$(circle-slash)';
    state = `running${info?.version ? ` (${info.name} ${info.version})` : ''}${settings.enable ? '' : ', disabled by nodepit.enable'}`;
    healthy = true;
  } else if (client?.state === State.Starting) {
    icon = '$(sync~spin)';
    state = 'starting';
    healthy = true;
  } else if (startError) {
    icon = '$(warning)';
    state = `not running: ${startError}`;
  } else {
    icon = '$(warning)';
    state = 'stopped';
  }
  statusItem.text = `${icon} nodepit`;
  statusItem.tooltip = `nodepit language server: ${state}\nClick to show the output.`;
  statusItem.backgroundColor = healthy ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
}

function message(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  return String(err);
}
