/**
 * A private certificate authority and a server certificate for 127.0.0.1, made with the openssl command line (on
 * every machine the tests run on; .ci/run installs it where it is missing), for the local TLS stand-ins of GitLab
 * and the Kubernetes API. Valid for two days: made fresh per test process, never committed.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface TestCa {
  /** PEM of the authority's certificate: what a client must trust. */
  caPem: string;
  /** Path of the same PEM. */
  caFile: string;
  /** Server certificate (for 127.0.0.1 and localhost) and key, PEM. */
  cert: string;
  key: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** A new authority and a server certificate it signed. */
export function makeTestCa(name = "runway-test-ca"): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), "runway-tls-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(dir, ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  openssl(dir, ["req", "-new", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf"]);
  const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
  return { caPem: read("ca.crt"), caFile: path.join(dir, "ca.crt"), cert: read("server.crt"), key: read("server.key") };
}
