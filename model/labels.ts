/**
 * Container labels that carry what Docker cannot express. The components write them and the
 * policy pack reads them, so they are defined once here.
 */

/** Node the container is declared for, such as `thanos`. */
export const NODE_LABEL = "bev.node";
/** Service name within the plan. */
export const SERVICE_LABEL = "bev.service";
/** Plan the container belongs to, such as `rebalanced`. */
export const PLAN_LABEL = "bev.plan";
/** Prefix of the per-device VRAM budget label: `bev.vram-mib.0` is the MiB budgeted on GPU 0. */
export const VRAM_LABEL_PREFIX = "bev.vram-mib.";

/** Returns the label key of the VRAM budget on one GPU device. */
export function vramLabel(deviceId: string): string {
    return `${VRAM_LABEL_PREFIX}${deviceId}`;
}

/** Docker daemon addresses the Docker provider accepts as `host`. */
export const DOCKER_HOST_PATTERN = /^(unix|tcp|ssh|npipe):\/\/\S+$/;
