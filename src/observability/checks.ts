/**
 * Checks of what callers pass to the observability builders. Each message names the field, the value and the fix,
 * and each check throws before anything is built, so a component fails before registering a resource.
 */

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const CHANNEL = /^projects\/[a-z][-a-z0-9]+\/notificationChannels\/[0-9]+$/;
const PROM_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const PROM_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const PROM_DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;

/** A DNS-1123 label (namespaces, service names, cluster names) of at most `max` characters. */
export function checkDnsLabel(field: string, value: string, max: number): void {
  if (!DNS_LABEL.test(value) || value.length > max) {
    throw new Error(
      `${field} '${value}' is not a DNS label: use at most ${max} lowercase letters, digits and '-', starting with a letter and not ending with '-'.`,
    );
  }
}

/** Notification channels as Cloud Monitoring names them; the same format as `runway:observability.notificationChannels`. */
export function checkNotificationChannels(channels: readonly string[]): void {
  channels.forEach((c, i) => {
    if (!CHANNEL.test(c)) {
      throw new Error(
        `notificationChannels[${i}] '${c}' is not a notification channel name: use projects/<project>/notificationChannels/<id> (gcloud beta monitoring channels list --format='value(name)').`,
      );
    }
  });
  const dup = channels.find((c, i) => channels.indexOf(c) !== i);
  if (dup !== undefined) throw new Error(`notificationChannels lists '${dup}' twice: list each channel once.`);
}

export function checkMetricName(field: string, value: string): void {
  if (!PROM_NAME.test(value)) {
    throw new Error(`${field} '${value}' is not a Prometheus metric name: use letters, digits, '_' and ':', not starting with a digit.`);
  }
}

export function checkLabelName(field: string, value: string): void {
  if (!PROM_LABEL.test(value)) {
    throw new Error(`${field} '${value}' is not a Prometheus label name: use letters, digits and '_', not starting with a digit.`);
  }
}

export function checkPromDuration(field: string, value: string): void {
  if (!PROM_DURATION.test(value)) {
    throw new Error(`${field} '${value}' is not a Prometheus duration: use a value such as 30s or 1m.`);
  }
}

/** A ratio strictly between 0 and 1, such as an error-ratio threshold. */
export function checkRatio(field: string, value: number): void {
  if (!(value > 0 && value < 1)) {
    throw new Error(`${field} ${value} is not a ratio between 0 and 1 (exclusive): use e.g. 0.05 for 5%.`);
  }
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** A label selector's matchLabels: at least one pair, each a valid Kubernetes label key and value. */
export function checkPodSelector(field: string, selector: Record<string, string>): void {
  const entries = Object.entries(selector);
  if (entries.length === 0) {
    throw new Error(`${field} is empty and would select every pod in the namespace: name at least one label, e.g. { "app.kubernetes.io/name": "<service>" }.`);
  }
  for (const [k, v] of entries) {
    if (!LABEL_KEY.test(k)) throw new Error(`${field} key '${k}' is not a Kubernetes label key: use [prefix/]name, e.g. app.kubernetes.io/name.`);
    if (!LABEL_VALUE.test(v)) {
      throw new Error(`${field}['${k}'] '${v}' is not a Kubernetes label value: use at most 63 letters, digits, '-', '_' and '.', starting and ending alphanumeric.`);
    }
  }
}

/** A named container port (IANA service name): what a scrape endpoint refers to. */
export function checkPortName(field: string, value: string): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 15 || !/[a-z]/.test(value)) {
    throw new Error(`${field} '${value}' is not a container port name: use at most 15 lowercase letters, digits and '-', with at least one letter.`);
  }
}

export function checkUrlPath(field: string, value: string): void {
  if (!/^\/[^\s?#]*$/.test(value)) throw new Error(`${field} '${value}' is not a URL path: use an absolute path such as /metrics.`);
}
