// Builds dist/ once before the suite so CLI tests run the same code the user runs.
const { execFileSync } = require('child_process');
const path = require('path');
module.exports = async () => {
  if (process.env.EDGELOCK_SKIP_BUILD === '1') return;
  const root = path.resolve(__dirname, '..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: root,
  });
};
