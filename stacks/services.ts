/**
 * Every service of the BEV platform in both plans of its rebalancing plan.
 *
 * `current` is the over-allocated state the plan measures (THANOS 166.25 GB and 45.5 cores,
 * ORACLE1 20.77 GB and 3.81 cores, STARLORD development only). `rebalanced` is the plan's target:
 * halved limits on THANOS and GPU services moved to STARLORD. Figures the plan names are used as
 * they are. For the rest the plan gives only totals: THANOS' other services, ORACLE1's 51
 * services, every per-service core count and VRAM budget. Those entries carry `assumed` with the
 * reason, and their figures are chosen so that the node totals match the plan's.
 */
import type { RawService, VolumeMount } from "./schema";

/** Node and limits of a service in one plan. */
interface Placement {
    node: string;
    memory: string;
    cpus: number;
    /** VRAM budget on GPU 0 of the node; absent for services without a GPU. */
    vram?: string;
}

interface ServiceRow {
    name: string;
    image: string;
    current: Placement;
    rebalanced: Placement;
    assumed?: string;
}

/** State of a service: its volumes, and whether they tie it to its node. */
interface State {
    /** True for databases and brokers whose data lives on the node's disks. */
    pinned?: boolean;
    volumes: VolumeMount[];
}

const volume = (name: string, path: string): VolumeMount => ({ name, path });

/**
 * Services with state. The plan keeps its databases, brokers and search cluster where they are;
 * the other entries hold caches or models that move with the service.
 */
const state: Record<string, State> = {
    elasticsearch: { pinned: true, volumes: [volume("elasticsearch-data", "/usr/share/elasticsearch/data")] },
    postgres: { pinned: true, volumes: [volume("postgres-data", "/var/lib/postgresql/data")] },
    neo4j: { pinned: true, volumes: [volume("neo4j-data", "/data")] },
    "redis-1": { pinned: true, volumes: [volume("redis-1-data", "/data")] },
    "redis-2": { pinned: true, volumes: [volume("redis-2-data", "/data")] },
    "redis-3": { pinned: true, volumes: [volume("redis-3-data", "/data")] },
    "kafka-1": { pinned: true, volumes: [volume("kafka-1-data", "/var/lib/kafka/data")] },
    "kafka-2": { pinned: true, volumes: [volume("kafka-2-data", "/var/lib/kafka/data")] },
    "kafka-3": { pinned: true, volumes: [volume("kafka-3-data", "/var/lib/kafka/data")] },
    "rabbitmq-1": { pinned: true, volumes: [volume("rabbitmq-1-data", "/var/lib/rabbitmq")] },
    "rabbitmq-2": { pinned: true, volumes: [volume("rabbitmq-2-data", "/var/lib/rabbitmq")] },
    "rabbitmq-3": { pinned: true, volumes: [volume("rabbitmq-3-data", "/var/lib/rabbitmq")] },
    intelowl: { pinned: true, volumes: [volume("intelowl-data", "/opt/deploy/intel_owl/files")] },
    prometheus: { pinned: true, volumes: [volume("prometheus-data", "/prometheus")] },
    loki: { pinned: true, volumes: [volume("loki-data", "/loki")] },
    minio: { pinned: true, volumes: [volume("minio-data", "/data")] },
    vault: { pinned: true, volumes: [volume("vault-data", "/vault/file")] },
    consul: { pinned: true, volumes: [volume("consul-data", "/consul/data")] },
    grafana: { volumes: [volume("grafana-data", "/var/lib/grafana")] },
    "memory-manager": { volumes: [volume("memory-manager-data", "/var/lib/memory-manager")] },
    "avatar-system": { volumes: [volume("avatar-models", "/models")] },
    "extended-reasoning": { volumes: [volume("extended-reasoning-models", "/models")] },
};

/**
 * Public images published for both amd64 and arm64. Other images, the platform's own among them,
 * are taken to run only on the architecture of the node they run on today.
 */
const MULTI_ARCH_IMAGES = new Set([
    "grafana/grafana", "prom/alertmanager", "prom/node-exporter", "prom/blackbox-exporter", "prom/pushgateway",
    "grafana/promtail", "traefik", "nginx", "redis", "eclipse-mosquitto", "restic/restic", "fluent/fluent-bit",
    "quay.io/oauth2-proxy/oauth2-proxy", "louislam/uptime-kuma", "oliver006/redis_exporter",
    "prometheuscommunity/postgres-exporter", "swaggerapi/swagger-ui",
]);

const repositoryOf = (image: string) => image.slice(0, image.lastIndexOf(":"));

const CORES = "cores: the plan gives only node totals (THANOS 45.5 current, 14 target)";
const GPU_CORES = "cores and VRAM: the plan gives only node totals (cores) and 20 GB of VRAM for STARLORD's GPU services";
const THANOS_KEPT =
    "current limits: the plan gives only its THANOS target (Phase 2.1), assumed unchanged; cores: the plan gives only node totals";
const THANOS_OSINT =
    "whole entry: the plan names THANOS' largest consumers and its 166.25 GB total, and gives 11 GB for " +
    "core OSINT services after rebalancing; the remaining services and their split are assumed";
const COMPANION =
    "current placement and cores: the plan deploys the AI companion services to STARLORD without saying where " +
    "they run today; assumed on THANOS, the platform's only production GPU node";
const ORACLE1 =
    "whole entry: the plan gives only ORACLE1's totals (51 services, 20.77 GB and 3.81 cores today, 20 GB and " +
    "3.5 cores as target); services and split assumed";

const thanos = (memory: string, cpus: number, vram?: string): Placement =>
    vram === undefined ? { node: "thanos", memory, cpus } : { node: "thanos", memory, cpus, vram };
const starlord = (memory: string, cpus: number, vram?: string): Placement =>
    vram === undefined ? { node: "starlord", memory, cpus } : { node: "starlord", memory, cpus, vram };
const oracle1 = (memory: string, cpus: number): Placement => ({ node: "oracle1", memory, cpus });

const BEV = "ghcr.io/bev-platform";

const rows: ServiceRow[] = [
    // THANOS: the plan's largest consumers and their Phase 1 reductions.
    { name: "elasticsearch", image: "docker.elastic.co/elasticsearch/elasticsearch:8.15.3", current: thanos("8g", 4), rebalanced: thanos("4g", 2), assumed: CORES },
    { name: "memory-manager", image: `${BEV}/memory-manager:2.3.1`, current: thanos("8g", 2), rebalanced: starlord("4g", 1.5), assumed: CORES },
    { name: "anomaly-detector", image: `${BEV}/anomaly-detector:1.8.0`, current: thanos("8g", 2), rebalanced: thanos("4g", 1), assumed: CORES },
    { name: "doc-analyzer-1", image: `${BEV}/doc-analyzer:3.2.0`, current: thanos("6g", 2, "1536m"), rebalanced: starlord("3g", 1, "1536m"), assumed: GPU_CORES },
    { name: "doc-analyzer-2", image: `${BEV}/doc-analyzer:3.2.0`, current: thanos("6g", 2, "1536m"), rebalanced: starlord("3g", 1, "1536m"), assumed: GPU_CORES },
    { name: "doc-analyzer-3", image: `${BEV}/doc-analyzer:3.2.0`, current: thanos("6g", 2, "1536m"), rebalanced: starlord("3g", 1, "1536m"), assumed: GPU_CORES },
    { name: "traffic-analyzer", image: `${BEV}/traffic-analyzer:1.5.4`, current: thanos("6g", 2), rebalanced: thanos("3g", 0.5), assumed: `${CORES}; after rebalancing it counts towards the 11 GB of core OSINT services` },
    { name: "autonomous-1", image: `${BEV}/autonomous-agent:0.9.2`, current: thanos("6g", 2, "1536m"), rebalanced: starlord("4g", 1.5, "1536m"), assumed: GPU_CORES },
    { name: "autonomous-2", image: `${BEV}/autonomous-agent:0.9.2`, current: thanos("6g", 2, "1536m"), rebalanced: starlord("4g", 1.5, "1536m"), assumed: GPU_CORES },
    { name: "swarm-master-1", image: `${BEV}/swarm-master:1.1.0`, current: thanos("6g", 2, "1g"), rebalanced: starlord("3g", 1, "1g"), assumed: `current memory: the plan gives only the 3 GB target, assumed halved from 6 GB like the document analyzers; ${GPU_CORES}` },
    { name: "swarm-master-2", image: `${BEV}/swarm-master:1.1.0`, current: thanos("6g", 2, "1g"), rebalanced: starlord("3g", 1, "1g"), assumed: `current memory: the plan gives only the 3 GB target, assumed halved from 6 GB like the document analyzers; ${GPU_CORES}` },

    // THANOS: data and core services the plan keeps there (Phase 2.1).
    { name: "postgres", image: "postgres:16.4", current: thanos("4g", 2), rebalanced: thanos("4g", 1.5), assumed: THANOS_KEPT },
    { name: "neo4j", image: "neo4j:5.24.1", current: thanos("4g", 2), rebalanced: thanos("4g", 1.5), assumed: THANOS_KEPT },
    { name: "redis-1", image: "redis:7.4.1", current: thanos("2g", 0.5), rebalanced: thanos("2g", 0.5), assumed: `${THANOS_KEPT}; the cluster's 6 GB split over 3 nodes` },
    { name: "redis-2", image: "redis:7.4.1", current: thanos("2g", 0.5), rebalanced: thanos("2g", 0.5), assumed: `${THANOS_KEPT}; the cluster's 6 GB split over 3 nodes` },
    { name: "redis-3", image: "redis:7.4.1", current: thanos("2g", 0.5), rebalanced: thanos("2g", 0.5), assumed: `${THANOS_KEPT}; the cluster's 6 GB split over 3 nodes` },
    { name: "kafka-1", image: "confluentinc/cp-kafka:7.7.1", current: thanos("4g", 1), rebalanced: thanos("4g", 0.75), assumed: `${THANOS_KEPT}; the cluster's 12 GB split over 3 brokers` },
    { name: "kafka-2", image: "confluentinc/cp-kafka:7.7.1", current: thanos("4g", 1), rebalanced: thanos("4g", 0.75), assumed: `${THANOS_KEPT}; the cluster's 12 GB split over 3 brokers` },
    { name: "kafka-3", image: "confluentinc/cp-kafka:7.7.1", current: thanos("4g", 1), rebalanced: thanos("4g", 0.75), assumed: `${THANOS_KEPT}; the cluster's 12 GB split over 3 brokers` },
    { name: "rabbitmq-1", image: "rabbitmq:3.13.7-management", current: thanos("2g", 0.5), rebalanced: thanos("2g", 0.25), assumed: `${THANOS_KEPT}; the cluster's 6 GB split over 3 nodes` },
    { name: "rabbitmq-2", image: "rabbitmq:3.13.7-management", current: thanos("2g", 0.5), rebalanced: thanos("2g", 0.25), assumed: `${THANOS_KEPT}; the cluster's 6 GB split over 3 nodes` },
    { name: "rabbitmq-3", image: "rabbitmq:3.13.7-management", current: thanos("2g", 0.5), rebalanced: thanos("2g", 0.25), assumed: `${THANOS_KEPT}; the cluster's 6 GB split over 3 nodes` },
    { name: "intelowl", image: "intelowlproject/intelowl:v6.2.0", current: thanos("8g", 2), rebalanced: thanos("8g", 1.5), assumed: THANOS_KEPT },

    // THANOS: the rest of the 166.25 GB, consolidated into core OSINT services (11 GB in all with
    // the anomaly and traffic analyzers) by the rebalanced plan.
    { name: "osint-crawler", image: `${BEV}/osint-crawler:4.0.1`, current: thanos("6g", 0.75), rebalanced: thanos("512m", 0.25), assumed: THANOS_OSINT },
    { name: "osint-enricher", image: `${BEV}/osint-enricher:2.7.0`, current: thanos("6g", 0.75), rebalanced: thanos("512m", 0.25), assumed: THANOS_OSINT },
    { name: "osint-correlator", image: `${BEV}/osint-correlator:1.9.3`, current: thanos("6g", 0.5), rebalanced: thanos("512m", 0.25), assumed: THANOS_OSINT },
    { name: "social-media-collector", image: `${BEV}/social-media-collector:3.1.0`, current: thanos("4g", 0.5), rebalanced: thanos("512m", 0.25), assumed: THANOS_OSINT },
    { name: "darkweb-monitor", image: `${BEV}/darkweb-monitor:2.2.5`, current: thanos("4g", 0.5), rebalanced: thanos("512m", 0.125), assumed: THANOS_OSINT },
    { name: "breach-indexer", image: `${BEV}/breach-indexer:1.4.0`, current: thanos("4g", 0.5), rebalanced: thanos("512m", 0.125), assumed: THANOS_OSINT },
    { name: "geoint-processor", image: `${BEV}/geoint-processor:0.8.1`, current: thanos("4g", 0.5), rebalanced: thanos("512m", 0.125), assumed: THANOS_OSINT },
    { name: "osint-gateway", image: `${BEV}/osint-gateway:1.0.7`, current: thanos("2304m", 0.5), rebalanced: thanos("512m", 0.125), assumed: THANOS_OSINT },

    // AI companion services, deployed to STARLORD with GPUs by the rebalanced plan.
    { name: "avatar-system", image: `${BEV}/avatar-system:1.3.0`, current: thanos("8g", 2, "6g"), rebalanced: starlord("8g", 2, "6g"), assumed: `${COMPANION}; VRAM: split of the plan's 20 GB` },
    { name: "emotional-intelligence", image: `${BEV}/emotional-intelligence:1.0.4`, current: thanos("4g", 1, "1536m"), rebalanced: starlord("4g", 1, "1536m"), assumed: `${COMPANION}; VRAM: split of the plan's 20 GB` },
    { name: "extended-reasoning", image: `${BEV}/extended-reasoning:0.7.0`, current: thanos("6g", 2, "3g"), rebalanced: starlord("6g", 2, "3g"), assumed: `${COMPANION}; VRAM: split of the plan's 20 GB` },

    // ORACLE1 (ARM64): monitoring.
    { name: "prometheus", image: "prom/prometheus:v2.54.1", current: oracle1("2g", 0.4), rebalanced: oracle1("1536m", 0.3), assumed: `${ORACLE1}; the target reduces monitoring retention` },
    { name: "grafana", image: "grafana/grafana:11.2.2", current: oracle1("512m", 0.1), rebalanced: oracle1("512m", 0.05), assumed: ORACLE1 },
    { name: "alertmanager", image: "prom/alertmanager:v0.27.0", current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "loki", image: "grafana/loki:3.2.0", current: oracle1("1g", 0.15), rebalanced: oracle1("768m", 0.1), assumed: `${ORACLE1}; the target reduces log retention` },
    { name: "promtail", image: "grafana/promtail:3.2.0", current: oracle1("128m", 0.05), rebalanced: oracle1("128m", 0.05), assumed: ORACLE1 },
    { name: "node-exporter", image: "prom/node-exporter:v1.8.2", current: oracle1("64m", 0.02), rebalanced: oracle1("64m", 0.02), assumed: ORACLE1 },
    { name: "cadvisor", image: "gcr.io/cadvisor/cadvisor:v0.49.1", current: oracle1("256m", 0.1), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "blackbox-exporter", image: "prom/blackbox-exporter:v0.25.0", current: oracle1("64m", 0.02), rebalanced: oracle1("64m", 0.02), assumed: ORACLE1 },
    { name: "pushgateway", image: "prom/pushgateway:v1.10.0", current: oracle1("64m", 0.02), rebalanced: oracle1("64m", 0.02), assumed: ORACLE1 },
    { name: "uptime-kuma", image: "louislam/uptime-kuma:1.23.15", current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "redis-exporter", image: "oliver006/redis_exporter:v1.64.1", current: oracle1("64m", 0.02), rebalanced: oracle1("64m", 0.02), assumed: ORACLE1 },
    { name: "postgres-exporter", image: "prometheuscommunity/postgres-exporter:v0.15.0", current: oracle1("64m", 0.02), rebalanced: oracle1("64m", 0.02), assumed: ORACLE1 },

    // ORACLE1: infrastructure.
    { name: "traefik", image: "traefik:v3.1.6", current: oracle1("256m", 0.15), rebalanced: oracle1("256m", 0.15), assumed: ORACLE1 },
    { name: "nginx", image: "nginx:1.27.2-alpine", current: oracle1("128m", 0.05), rebalanced: oracle1("128m", 0.05), assumed: ORACLE1 },
    { name: "consul", image: "hashicorp/consul:1.19.2", current: oracle1("1g", 0.1), rebalanced: oracle1("1g", 0.1), assumed: ORACLE1 },
    { name: "vault", image: "hashicorp/vault:1.17.6", current: oracle1("1g", 0.1), rebalanced: oracle1("1g", 0.1), assumed: ORACLE1 },
    { name: "minio", image: "minio/minio:RELEASE.2024-10-02T17-50-41Z", current: oracle1("2g", 0.25), rebalanced: oracle1("2g", 0.25), assumed: ORACLE1 },
    { name: "redis-cache", image: "redis:7.4.1-alpine", current: oracle1("512m", 0.05), rebalanced: oracle1("512m", 0.05), assumed: ORACLE1 },
    { name: "mosquitto", image: "eclipse-mosquitto:2.0.19", current: oracle1("128m", 0.03), rebalanced: oracle1("128m", 0.03), assumed: ORACLE1 },
    { name: "tor-proxy-1", image: "dperson/torproxy:2024.05.24", current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "tor-proxy-2", image: "dperson/torproxy:2024.05.24", current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "tor-proxy-3", image: "dperson/torproxy:2024.05.24", current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },

    // ORACLE1: lightweight OSINT collectors and glue services.
    { name: "rss-collector", image: `${BEV}/rss-collector:1.6.0`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.04), assumed: ORACLE1 },
    { name: "whois-collector", image: `${BEV}/whois-collector:1.2.2`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.04), assumed: ORACLE1 },
    { name: "dns-collector", image: `${BEV}/dns-collector:1.4.0`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.04), assumed: ORACLE1 },
    { name: "certstream-monitor", image: `${BEV}/certstream-monitor:0.9.5`, current: oracle1("512m", 0.1), rebalanced: oracle1("512m", 0.1), assumed: ORACLE1 },
    { name: "paste-monitor", image: `${BEV}/paste-monitor:1.1.0`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.04), assumed: ORACLE1 },
    { name: "telegram-collector", image: `${BEV}/telegram-collector:2.0.3`, current: oracle1("1g", 0.1), rebalanced: oracle1("1g", 0.1), assumed: ORACLE1 },
    { name: "reddit-collector", image: `${BEV}/reddit-collector:1.3.1`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.04), assumed: ORACLE1 },
    { name: "mastodon-collector", image: `${BEV}/mastodon-collector:0.6.0`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.04), assumed: ORACLE1 },
    { name: "github-monitor", image: `${BEV}/github-monitor:1.0.2`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "domain-watcher", image: `${BEV}/domain-watcher:1.5.0`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "ip-reputation", image: `${BEV}/ip-reputation:2.1.0`, current: oracle1("512m", 0.1), rebalanced: oracle1("512m", 0.1), assumed: ORACLE1 },
    { name: "geoip-service", image: `${BEV}/geoip-service:1.0.9`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "screenshot-service", image: `${BEV}/screenshot-service:1.2.0`, current: oracle1("2g", 0.3), rebalanced: oracle1("2g", 0.3), assumed: ORACLE1 },
    { name: "ocr-light", image: `${BEV}/ocr-light:0.4.3`, current: oracle1("512m", 0.2), rebalanced: oracle1("512m", 0.2), assumed: ORACLE1 },
    { name: "translation-proxy", image: `${BEV}/translation-proxy:1.1.1`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "notification-service", image: `${BEV}/notification-service:1.7.0`, current: oracle1("128m", 0.03), rebalanced: oracle1("128m", 0.03), assumed: ORACLE1 },
    { name: "webhook-relay", image: `${BEV}/webhook-relay:0.3.2`, current: oracle1("128m", 0.03), rebalanced: oracle1("128m", 0.03), assumed: ORACLE1 },
    { name: "osint-scheduler", image: `${BEV}/osint-scheduler:2.4.0`, current: oracle1("536m", 0.06), rebalanced: oracle1("512m", 0.06), assumed: ORACLE1 },
    { name: "health-checker", image: `${BEV}/health-checker:1.0.0`, current: oracle1("128m", 0.03), rebalanced: oracle1("128m", 0.03), assumed: ORACLE1 },
    { name: "config-service", image: `${BEV}/config-service:1.2.0`, current: oracle1("128m", 0.03), rebalanced: oracle1("128m", 0.03), assumed: ORACLE1 },
    { name: "auth-proxy", image: "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1", current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "api-docs", image: "swaggerapi/swagger-ui:v5.17.14", current: oracle1("128m", 0.02), rebalanced: oracle1("128m", 0.02), assumed: ORACLE1 },
    { name: "backup-agent", image: "restic/restic:0.17.1", current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "log-shipper", image: "fluent/fluent-bit:3.1.9", current: oracle1("128m", 0.03), rebalanced: oracle1("128m", 0.03), assumed: ORACLE1 },
    { name: "metrics-gateway", image: `${BEV}/metrics-gateway:0.5.0`, current: oracle1("128m", 0.03), rebalanced: oracle1("128m", 0.03), assumed: ORACLE1 },
    { name: "feed-normalizer", image: `${BEV}/feed-normalizer:1.3.0`, current: oracle1("256m", 0.05), rebalanced: oracle1("256m", 0.05), assumed: ORACLE1 },
    { name: "entity-resolver-lite", image: `${BEV}/entity-resolver-lite:0.8.0`, current: oracle1("960m", 0.16), rebalanced: oracle1("960m", 0.16), assumed: ORACLE1 },
    { name: "alert-router", image: `${BEV}/alert-router:1.0.3`, current: oracle1("128m", 0.03), rebalanced: oracle1("128m", 0.03), assumed: ORACLE1 },
    { name: "status-page", image: `${BEV}/status-page:1.1.0`, current: oracle1("128m", 0.03), rebalanced: oracle1("128m", 0.03), assumed: ORACLE1 },
];

for (const name of Object.keys(state)) {
    if (!rows.some((row) => row.name === name)) {
        throw new Error(`stacks/services.ts: state is given for "${name}", which is not a service`);
    }
}

function toService(row: ServiceRow, placement: Placement): RawService {
    const service: RawService = {
        name: row.name,
        node: placement.node,
        image: row.image,
        memory: placement.memory,
        cpus: placement.cpus,
    };
    if (placement.vram !== undefined) {
        service.gpu = { deviceIds: ["0"], vram: placement.vram };
    }
    if (MULTI_ARCH_IMAGES.has(repositoryOf(row.image))) {
        service.platforms = ["amd64", "arm64"];
    }
    const serviceState = state[row.name];
    if (serviceState?.pinned === true) {
        service.pinned = true;
    }
    if (serviceState !== undefined) {
        service.volumes = serviceState.volumes.map((v) => ({ ...v }));
    }
    if (row.assumed !== undefined) {
        service.assumed = row.assumed;
    }
    return service;
}

/** The services of each plan, in inventory form. */
export const plans: Record<"current" | "rebalanced", RawService[]> = {
    current: rows.map((row) => toService(row, row.current)),
    rebalanced: rows.map((row) => toService(row, row.rebalanced)),
};
