#!/usr/bin/env node
// Writes the one nodepit version (the workspace Cargo.toml's) into the package.json files named on
// the command line, and into the main package's optionalDependencies on its platform packages.
// `node version.js` alone prints the version.
'use strict';

const fs = require('fs');
const path = require('path');

function cargoVersion() {
  const toml = fs.readFileSync(path.join(__dirname, '..', 'Cargo.toml'), 'utf8');
  const section = toml.split(/^\[/m).find((s) => s.startsWith('workspace.package]'));
  const match = section && section.match(/^version\s*=\s*"([^"]+)"/m);
  if (!match) throw new Error('no version in [workspace.package] of Cargo.toml');
  return match[1];
}

const version = cargoVersion();
for (const file of process.argv.slice(2)) {
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  pkg.version = version;
  for (const name of Object.keys(pkg.optionalDependencies || {})) {
    if (name.startsWith('@nodepit/cli-')) pkg.optionalDependencies[name] = version;
  }
  fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
if (process.argv.length <= 2) console.log(version);
