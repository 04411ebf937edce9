-- Registers nodepit with nvim-lspconfig's `setup()` framework (Neovim 0.7 to 0.10, and 0.11
-- with the lspconfig versions that still ship it). Copy this into your config, or `dofile()` it,
-- then call require('lspconfig').nodepit.setup({}) as below.
--
-- On Neovim 0.11+ the built-in vim.lsp.config is simpler; see README.md.

local configs = require('lspconfig.configs')
local util = require('lspconfig.util')

-- The nearest nodepit.toml wins over the nearest package.json, which wins over .git.
local function nodepit_root(fname)
  return util.root_pattern('nodepit.toml')(fname)
    or util.root_pattern('package.json')(fname)
    or util.root_pattern('.git')(fname)
end

-- { enable, rules, docsBaseUrl }; an empty `rules` must be an empty dict, not a JSON array.
local nodepit_settings = {
  enable = true,
  rules = vim.empty_dict(), -- e.g. { ['prefer-pipeline'] = 'off', ['no-floating-promise'] = 'warn' }
  -- docsBaseUrl = 'https://example.com/nodepit/rules',
}

-- Neovim 0.10/0.11 pull diagnostics but cannot be asked to re-pull, so rule changes would show
-- only after the next edit; without the pull capability the server pushes them.
local capabilities = vim.lsp.protocol.make_client_capabilities()
if capabilities.textDocument.diagnostic and not vim.tbl_get(capabilities, 'workspace', 'diagnostics', 'refreshSupport') then
  capabilities.textDocument.diagnostic = vim.NIL
end

if not configs.nodepit then
  configs.nodepit = {
    default_config = {
      cmd = { 'nodepit', 'lsp' },
      filetypes = {
        'javascript',
        'javascriptreact',
        'javascript.jsx',
        'typescript',
        'typescriptreact',
        'typescript.tsx',
      },
      root_dir = nodepit_root,
      -- The project's own node_modules/.bin/nodepit (from `npm i -D nodepit`), nearest at or above
      -- the root, runs ahead of `cmd`, so the editor runs the version the project pins.
      on_new_config = function(new_config, root_dir)
        local bin = vim.fn.has('win32') == 1 and 'nodepit.cmd' or 'nodepit'
        local dir = root_dir
        while dir and dir ~= '' do
          local candidate = dir .. '/node_modules/.bin/' .. bin
          if vim.fn.executable(candidate) == 1 then
            new_config.cmd = { candidate, 'lsp' }
            return
          end
          local up = vim.fn.fnamemodify(dir, ':h')
          dir = up ~= dir and up or nil
        end
      end,
      single_file_support = true,
      capabilities = capabilities,
      init_options = nodepit_settings,
      settings = { nodepit = nodepit_settings },
    },
    docs = {
      description = [[
nodepit: a linter and language server for Node.js pitfalls (floating promises, blocking calls in
request handlers, unbounded Promise.all, recursive nextTick, .pipe() chains).
Install with `npm i -D nodepit` in the project (preferred when present), or `cargo install --path .`
from a nodepit checkout.
]],
    },
  }
end

require('lspconfig').nodepit.setup({
  -- cmd = { '/path/to/nodepit', 'lsp' },
  -- init_options and settings.nodepit take the same table; keep them in step if you change one.
  -- on_attach = function(client, bufnr) end,
})
