/**
 * The Pod Security Standards' `restricted` profile (kubernetes.io/docs/concepts/security/pod-security-standards,
 * the baseline controls included), as the admission controller of a namespace labelled
 * `pod-security.kubernetes.io/enforce=restricted` (K1) checks a pod spec. Returns what it would refuse.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
const SAFE_SYSCTLS = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];
const SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

export function restrictedPodProblems(pod: Loose): string[] {
  const p: string[] = [];
  const psc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) p.push("host namespaces: hostNetwork, hostPID and hostIPC must be unset or false");
  for (const v of pod.volumes ?? []) {
    const kind = Object.keys(v).find((k) => k !== "name");
    if (!kind || !RESTRICTED_VOLUMES.includes(kind)) p.push(`volume ${v.name}: type ${kind} is not allowed`);
  }
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.includes(s.name)) p.push(`sysctl ${s.name} is not allowed`);
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) p.push(`${at}: privileged`);
    if (sc.windowsOptions?.hostProcess || psc.windowsOptions?.hostProcess) p.push(`${at}: hostProcess`);
    for (const port of c.ports ?? []) if (port.hostPort) p.push(`${at}: hostPort ${port.hostPort}`);
    if (sc.procMount && sc.procMount !== "Default") p.push(`${at}: procMount ${sc.procMount}`);
    for (const se of [psc.seLinuxOptions, sc.seLinuxOptions]) {
      if (se && (!SELINUX_TYPES.includes(se.type ?? "") || se.user || se.role)) p.push(`${at}: seLinuxOptions ${JSON.stringify(se)}`);
    }
    for (const a of [psc.appArmorProfile, sc.appArmorProfile]) if (a && !["RuntimeDefault", "Localhost"].includes(a.type)) p.push(`${at}: appArmorProfile ${a.type}`);
    if (sc.allowPrivilegeEscalation !== false) p.push(`${at}: allowPrivilegeEscalation must be false`);
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) p.push(`${at}: runAsNonRoot must be true (pod or container)`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) p.push(`${at}: runAsUser must not be 0`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (!["RuntimeDefault", "Localhost"].includes(seccomp)) p.push(`${at}: seccompProfile must be RuntimeDefault or Localhost`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) p.push(`${at}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") p.push(`${at}: capability ${cap} may not be added`);
  }
  return p;
}
