/**
 * The CA of a customer's GitLab whose TLS certificate a private authority signed (`runway:gitlabCaFile`): read from
 * the project, checked to be PEM certificates, and handed to the chart's registration hook, which then trusts only
 * it. Certificates are public data: they travel as chart values.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

const PEM = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;

function resolve(root: string, file: string): string {
  return path.isAbsolute(file) ? file : path.join(root, file);
}

/** The certificates of the file, one PEM block each, joined by newlines; undefined when there is none. */
export function readGitlabCa(root: string, file: string): string | undefined {
  const blocks = readFileSync(resolve(root, file), "utf8").match(PEM);
  return blocks ? `${blocks.map((b) => b.replace(/\r/g, "")).join("\n")}\n` : undefined;
}

/** What is wrong with the file, naming it and the fix. */
export function gitlabCaProblems(root: string, file: string): string[] {
  let pem: string | undefined;
  try {
    pem = readGitlabCa(root, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [`${file}: ${code === "ENOENT" ? "file not found (relative paths start at the project root, where Pulumi.yaml is)" : `cannot be read (${code ?? (e as Error).message})`}`];
  }
  return pem ? [] : [`${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----); export the CA that signed GitLab's certificate as PEM`];
}
