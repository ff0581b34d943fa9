#!/usr/bin/env bash
# Every test of the project, as `npm test` runs it on a fresh machine: installs what the tests need
# (system packages through apt when root, else a message naming them), builds, then runs each suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-packages.sh
npm run build
npx tsc --noEmit -p .

export UV_THREADPOOL_SIZE=1
# Unit, API, CLI and registry suites share Node's test runner; files run one at a time because
# each inference test loads models and the CI machine has two cores.
node --import tsx --test --test-concurrency=1 --test-reporter=spec \
  test/unit/*.test.ts test/api/*.test.ts test/cli/*.test.ts test/registry/*.test.ts test/engines/*.test.ts test/extension/*.test.ts

# The extension's suites run inside a real VS Code: code-server on Node 24, driven by chromium.
bash scripts/vscode/install-code-server.sh
node --import tsx test/extension/run.ts
# The UI tests drive that VS Code as a person would, with the extension installed from its .vsix.
node --import tsx --test --test-concurrency=1 --test-reporter=spec test/ui/*.test.ts
