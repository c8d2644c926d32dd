/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): `<number><suffix>` where the number may be
 * fractional (`1.5`, `.5`, `5.`) and the suffix is binary (Ki Mi Gi Ti Pi Ei), decimal (m k M G T P E, or none) or
 * an exponent (`e3`, `E-2`). `1.5Gi`, `512M`, `0.5` and `250m` are all quantities the API server accepts.
 *
 * The patterns avoid look-arounds so the same text works in values.schema.json (Helm validates with Go's RE2).
 */
import { z } from "zod";

const NUMBER = "([0-9]+(\\.[0-9]*)?|\\.[0-9]+)";
const SUFFIX = "(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?";
/** Any non-negative quantity. */
export const QUANTITY_PATTERN = `^\\+?${NUMBER}${SUFFIX}$`;
const QUANTITY = new RegExp(QUANTITY_PATTERN);

const FACTORS: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a quantity (cores for CPU, bytes for memory), or undefined when it is not one. */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) && q >= 0 ? q : undefined;
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const suffix = m[3] ?? "";
  const n = Number(m[1]);
  const v = /^[eE]/.test(suffix) ? n * 10 ** Number(suffix.slice(1)) : n * FACTORS[suffix];
  return Number.isFinite(v) ? v : undefined;
}

/** A quantity written as a YAML number (memory: 268435456) is read as its decimal text. */
const written = (q: z.ZodType<string, string>) => z.union([q, z.number().nonnegative().transform(String).pipe(q)]);

/** A CPU quantity of at least 1m: `500m`, `2`, `0.5`, `1.5`. */
export const cpuQuantity = written(
  z
    .string()
    .regex(QUANTITY, { error: "must be a CPU quantity such as 500m, 0.5 or 2" })
    .refine((q) => (parseQuantity(q) ?? 0) >= 0.001, { error: "must be at least 1m (0.001 CPU)" }),
);

/** A memory quantity of at least one byte: `512Mi`, `1.5Gi`, `512M`, `1G`. */
export const memoryQuantity = written(
  z
    .string()
    .regex(QUANTITY, { error: "must be a memory quantity such as 512Mi, 1.5Gi or 512M" })
    .superRefine((q, ctx) => {
      // `m` is milli: 512m of memory is half a byte, a common typo for 512Mi.
      if (/m$/.test(q)) ctx.addIssue({ code: "custom", message: "'m' means thousandths of a byte; write Mi (mebibytes) or M (megabytes)" });
      else if ((parseQuantity(q) ?? 0) < 1) ctx.addIssue({ code: "custom", message: "must be at least 1 byte; use a suffix such as Mi or Gi" });
    }),
);
