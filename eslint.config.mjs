// Lint the TypeScript sources, tests and scripts; built output and dependencies are ignored.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", ".demo/**", "test-results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // `const node = this` is the Node-RED idiom for use inside callbacks.
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["node"] }],
      "no-console": ["error", { allow: ["warn", "error"] }],
      // One width for code and comments (Prettier wraps the code at the same 120); long messages stay whole.
      "max-len": [
        "error",
        { code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
    },
  },
  {
    // Readable at a glance: a module holds one concern, a function one step.
    files: ["src/**/*.ts", "nodes/**/*.ts"],
    rules: { "max-lines": ["error", { max: 400 }], "max-lines-per-function": ["error", { max: 80 }] },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts"],
    // `import x = require()` is how TypeScript imports the node modules, which use `export =`.
    rules: { "@typescript-eslint/no-unused-expressions": "off", "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["scripts/**/*.js", "test/**/*.js", "eslint.config.mjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        console: "readonly",
        __dirname: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        Buffer: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
