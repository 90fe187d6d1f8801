// ESLint (flat config): the recommended rules, browser globals for the
// page's sources, Node's for the build scripts and tests, and a ban on the
// DOM's HTML sinks: everything the API returns is attacker-influenced and
// only ever reaches the page as text (see src/dom.js).
import js from "@eslint/js";
import globals from "globals";

const htmlSinks = [
  { selector: "AssignmentExpression > MemberExpression.left[property.name=/^(innerHTML|outerHTML)$/]",
    message: "no HTML strings: build nodes with el() and textContent (src/dom.js)" },
  { selector: "CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln|createContextualFragment)$/]",
    message: "no HTML strings: build nodes with el() and textContent (src/dom.js)" },
  { selector: "CallExpression[callee.name=/^(eval|Function)$/], NewExpression[callee.name='Function']",
    message: "no eval: the CSP forbids it" },
];

export default [
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2025, sourceType: "module" },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
  {
    files: ["src/**/*.js"],
    languageOptions: {
      globals: {
        ...globals.browser,
        __MAPLIBRE_WORKER__: "readonly", // the worker's URL, defined by build.mjs
      },
    },
    rules: { "no-restricted-syntax": ["error", ...htmlSinks] },
  },
  {
    files: ["*.js", "*.mjs", "scripts/**/*.mjs", "test/**/*.js"],
    languageOptions: { globals: globals.node },
  },
];
