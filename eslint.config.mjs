// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "schemas/**", "**/*.cjs", "out/**", "coverage/**", "scratch/**"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    // Pure logic stays free of provider SDKs so it is fast to import and test without an engine.
    files: ["src/config/**/*.ts", "src/naming/**/*.ts", "src/rules/**/*.ts", "src/chart/**/*.ts", "src/manifest/**/*.ts", "src/tenancy/**/*.ts", "src/gcp/**/*.ts", "src/flux/**/*.ts", "src/vault/**/*.ts", "src/observability/**/*.ts", "src/gitlab/agent-config.ts", "src/plan/diff.ts", "src/plan/render.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["@pulumi/gcp*", "@pulumi/kubernetes*", "@pulumi/vault*"] }],
    },
  },
);
