/**
 * Loading a Runway manifest: YAML with positions, then the schema, so every problem is reported as
 * `file:line:col: field: message`.
 */
import { ConfigError } from "../config/diagnostics";
import { validateSource } from "../config/validate";
import { parseYaml, readYamlFile, type YamlSource } from "../config/yaml-source";
import { manifestSchema, type Manifest } from "./schema";

function validate(src: YamlSource): Manifest {
  if (src.value === null || typeof src.value !== "object" || Array.isArray(src.value)) {
    throw new ConfigError([
      { file: src.file, line: 1, column: 1, path: "", message: "expected a mapping with apiVersion: runway/v1, kind: RunwayService, metadata and spec" },
    ]);
  }
  return validateSource(manifestSchema, src);
}

/** Reads `.runway/runway.yml`; throws ConfigError listing every problem of the file. */
export function loadManifest(file: string): Manifest {
  return validate(readYamlFile(file));
}

/** loadManifest, keeping the parsed source so later checks (e.g. at chart build) can point at lines too. */
export function loadManifestSource(file: string): { manifest: Manifest; src: YamlSource } {
  const src = readYamlFile(file);
  return { manifest: validate(src), src };
}

/** Same as loadManifest, for text already in memory (tests, stdin). */
export function parseManifest(file: string, text: string | Buffer): Manifest {
  return validate(parseYaml(file, text));
}
