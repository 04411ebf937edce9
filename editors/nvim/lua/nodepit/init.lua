-- nodepit for Neovim: starts `nodepit lsp` with the built-in LSP client.
--
--   require('nodepit').setup({
--     cmd = { 'nodepit', 'lsp' },  -- used when the project has no node_modules/.bin/nodepit
--     settings = { rules = { ['prefer-pipeline'] = 'off' } },
--   })
--
-- Works on Neovim 0.7 and later: it uses vim.lsp.start where it exists (0.8+), and
-- vim.lsp.start_client + vim.lsp.buf_attach_client before that.

local M = {}

local uv = vim.loop

M.defaults = {
  name = 'nodepit',
  cmd = { 'nodepit', 'lsp' },
  -- Run the project's own node_modules/.bin/nodepit (from `npm i -D nodepit`, the nearest one at
  -- or above the root) ahead of `cmd`, so the editor runs the version the project pins.
  prefer_local = true,
  filetypes = {
    'javascript',
    'javascriptreact',
    'javascript.jsx',
    'typescript',
    'typescriptreact',
    'typescript.tsx',
  },
  -- Tried in this order: the nearest nodepit.toml above the file wins, else the nearest
  -- package.json, else the nearest .git. A file under none of them gets its own directory.
  root_markers = { 'nodepit.toml', 'package.json', '.git' },
  -- The server's settings: { enable = bool, rules = { [rule_id] = 'error'|'warn'|'off' },
  -- docsBaseUrl = string|nil }. Sent as initializationOptions and as the `nodepit`
  -- section of workspace/didChangeConfiguration and workspace/configuration.
  settings = { enable = true, rules = {} },
  init_options = nil, -- defaults to `settings`
  on_attach = nil,
  capabilities = nil,
  handlers = nil,
}

local config = nil
local augroup = nil
local clients_by_root = {} -- Neovim 0.7 only: root_dir -> client id
local warned_missing = false

local function notify(msg, level)
  vim.notify('nodepit: ' .. msg, level or vim.log.levels.INFO)
end

local function is_dir(path)
  local stat = uv.fs_stat(path)
  return stat ~= nil and stat.type == 'directory'
end

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

local function parent(path)
  local up = vim.fn.fnamemodify(path, ':h')
  if up == path or up == '' or up == '.' then
    return nil
  end
  return up
end

local function join(dir, name)
  if dir:sub(-1) == '/' or dir:sub(-1) == '\\' then
    return dir .. name
  end
  return dir .. '/' .. name
end

--- The directory of the first marker found walking up from `start` (a directory), markers in
--- priority order; nil when none is found.
function M.find_root(start, markers)
  for _, marker in ipairs(markers) do
    local dir = start
    while dir do
      if exists(join(dir, marker)) then
        return dir
      end
      dir = parent(dir)
    end
  end
  return nil
end

local function buffer_path(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return nil
  end
  return vim.fn.fnamemodify(name, ':p')
end

--- Root directory for a buffer: the marker search from the file's directory, else that
--- directory, else the current directory for unnamed buffers.
function M.root_dir(bufnr, markers)
  local file = buffer_path(bufnr)
  local start = file and vim.fn.fnamemodify(file, ':h') or vim.fn.getcwd()
  if not is_dir(start) then
    start = vim.fn.getcwd()
  end
  return M.find_root(start, markers or config.root_markers) or start
end

local function server_settings(tbl)
  local s = vim.deepcopy(tbl or {})
  if type(s.nodepit) == 'table' then
    s = s.nodepit -- accept { nodepit = { ... } } too
  end
  -- An empty Lua table would be sent as a JSON array; the server wants an object.
  if s.rules == nil or next(s.rules) == nil then
    s.rules = vim.empty_dict()
  end
  return s
end

local function show_document_handler(_, result)
  if not result or not result.uri then
    return { success = false }
  end
  if result.external or not vim.startswith(result.uri, 'file:') then
    local opener = vim.fn.has('mac') == 1 and 'open' or (vim.fn.has('win32') == 1 and 'explorer' or 'xdg-open')
    if vim.fn.executable(opener) == 1 then
      vim.fn.jobstart({ opener, result.uri }, { detach = true })
      return { success = true }
    end
    notify('open ' .. result.uri, vim.log.levels.INFO)
    return { success = false }
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.uri_to_fname(result.uri)))
  return { success = true }
end

--- The command for a project root: its nearest node_modules/.bin/nodepit when `prefer_local` is on
--- and one is executable, else the configured `cmd`.
function M.server_cmd(root)
  if config.prefer_local ~= false and root then
    local bin = vim.fn.has('win32') == 1 and 'nodepit.cmd' or 'nodepit'
    local dir = root
    while dir do
      local candidate = join(join(join(dir, 'node_modules'), '.bin'), bin)
      if vim.fn.executable(candidate) == 1 then
        local cmd = vim.deepcopy(config.cmd)
        cmd[1] = candidate
        return cmd
      end
      dir = parent(dir)
    end
  end
  return config.cmd
end

local function client_config(root, cmd)
  local settings = server_settings(config.settings)
  local init_options = config.init_options and server_settings(config.init_options) or settings
  local capabilities = vim.deepcopy(config.capabilities or vim.lsp.protocol.make_client_capabilities())
  -- Neovim 0.11 pulls diagnostics but cannot be told to re-pull (no workspace/diagnostic/refresh),
  -- so settings and nodepit.toml changes would not show until the next edit. Without the pull
  -- capability the server pushes instead. vim.NIL (JSON null) because Neovim merges the given
  -- capabilities over its defaults, so a plain nil would be filled in again.
  local ws = capabilities.workspace
  local refresh = type(ws) == 'table' and type(ws.diagnostics) == 'table' and ws.diagnostics.refreshSupport
  if type(capabilities.textDocument) == 'table' and capabilities.textDocument.diagnostic and not refresh then
    capabilities.textDocument.diagnostic = vim.NIL
  end
  local handlers = vim.tbl_extend('keep', config.handlers or {}, {})
  if not vim.lsp.handlers['window/showDocument'] then
    -- Neovim before 0.8 has no handler for it; "Explain" code actions use it.
    handlers['window/showDocument'] = show_document_handler
    capabilities = vim.tbl_deep_extend('force', capabilities, { window = { showDocument = { support = true } } })
  end
  return {
    name = config.name,
    cmd = cmd,
    root_dir = root,
    workspace_folders = {
      { uri = vim.uri_from_fname(root), name = root },
    },
    init_options = init_options,
    settings = { nodepit = settings },
    capabilities = capabilities,
    handlers = handlers,
    on_attach = config.on_attach,
  }
end

local function get_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = config.name })
  end
  local out = {}
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == config.name then
      table.insert(out, client)
    end
  end
  return out
end

-- Client methods take `self` from 0.11 on (client:notify); before that they are plain functions.
local method_style = vim.fn.has('nvim-0.11') == 1

local function client_notify(client, method, params)
  if method_style then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

local function client_is_alive(id)
  local client = vim.lsp.get_client_by_id(id)
  if not client then
    return false
  end
  if type(client.is_stopped) == 'function' then
    if method_style then
      return not client:is_stopped()
    end
    return not client.is_stopped()
  end
  return true
end

local function wanted(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return false
  end
  -- Skip buffers backed by something other than a file, e.g. fugitive:// or oil://.
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name:match('^%a[%w+.-]*://') and not name:match('^file://') then
    return false
  end
  return vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype)
end

--- Starts (or reuses) the server for a buffer and attaches it. Returns the client id.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not config or not wanted(bufnr) then
    return nil
  end
  local root = M.root_dir(bufnr)
  local cmd = M.server_cmd(root)
  if vim.fn.executable(cmd[1]) ~= 1 then
    if not warned_missing then
      warned_missing = true
      notify(
        string.format(
          'cannot start the language server: `%s` is not executable. Add it to the project with '
            .. '`npm i -D nodepit`, or pass `cmd` to setup().',
          cmd[1]
        ),
        vim.log.levels.WARN
      )
    end
    return nil
  end
  local cfg = client_config(root, cmd)

  if vim.lsp.start then
    return vim.lsp.start(cfg, { bufnr = bufnr })
  end

  -- Neovim 0.7: one client per root directory.
  local id = clients_by_root[root]
  if not (id and client_is_alive(id)) then
    id = vim.lsp.start_client(cfg)
    if not id then
      notify('could not start ' .. table.concat(cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Tells running servers that a nodepit.toml changed (for clients without file watching).
local function notify_config_changed(path)
  local uri = vim.uri_from_fname(path)
  for _, client in ipairs(get_clients()) do
    client_notify(client, 'workspace/didChangeWatchedFiles', { changes = { { uri = uri, type = 2 } } })
  end
end

--- Stops every nodepit client, then attaches the loaded buffers again.
function M.restart()
  local ids = {}
  for _, client in ipairs(get_clients()) do
    table.insert(ids, client.id)
  end
  clients_by_root = {}
  if #ids > 0 then
    vim.lsp.stop_client(ids)
  end
  local tries = 0
  local timer = uv.new_timer()
  timer:start(
    100,
    100,
    vim.schedule_wrap(function()
      tries = tries + 1
      local alive = false
      for _, id in ipairs(ids) do
        alive = alive or client_is_alive(id)
      end
      if alive and tries < 50 then
        return
      end
      timer:stop()
      timer:close()
      if alive then
        vim.lsp.stop_client(ids, true)
      end
      for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
        if vim.api.nvim_buf_is_loaded(bufnr) then
          M.attach(bufnr)
        end
      end
    end)
  )
end

--- Pushes new settings ({ enable, rules, docsBaseUrl }) to the running servers.
function M.update_settings(settings)
  config.settings = settings
  local payload = { nodepit = server_settings(settings) }
  for _, client in ipairs(get_clients()) do
    client.config.settings = payload
    client_notify(client, 'workspace/didChangeConfiguration', { settings = payload })
  end
end

function M.setup(opts)
  opts = opts or {}
  config = vim.tbl_extend('force', vim.deepcopy(M.defaults), opts)
  if type(config.cmd) == 'string' then
    config.cmd = { config.cmd }
  end
  warned_missing = false

  augroup = vim.api.nvim_create_augroup('nodepit', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = augroup,
    pattern = config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
    desc = 'nodepit: start or attach the language server',
  })
  -- Neovim before 0.8 does not know .mts/.cts; setfiletype leaves an already detected type alone.
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = augroup,
    pattern = { '*.mts', '*.cts' },
    command = 'setfiletype typescript',
    desc = 'nodepit: .mts/.cts are TypeScript',
  })
  vim.api.nvim_create_autocmd('BufWritePost', {
    group = augroup,
    pattern = 'nodepit.toml',
    callback = function(args)
      notify_config_changed(vim.fn.fnamemodify(args.file, ':p'))
    end,
    desc = 'nodepit: reload nodepit.toml',
  })
  vim.api.nvim_create_user_command('NodepitRestart', function()
    M.restart()
  end, { desc = 'Restart the nodepit language server', force = true })

  -- Buffers whose FileType fired before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      M.attach(bufnr)
    end
  end
end

return M
