import { PolicyPack } from "@pulumi/policy";

import { cpuWithinNodeCapacity, memoryWithinNodeCapacity, vramWithinGpuCapacity } from "./capacity";
import { gpuRequestValid } from "./gpu";
import { nodeHeadroom } from "./headroom";
import { containerHasLimits } from "./limits";

new PolicyPack("bev-capacity", {
    policies: [memoryWithinNodeCapacity, cpuWithinNodeCapacity, vramWithinGpuCapacity, gpuRequestValid, containerHasLimits, nodeHeadroom],
});
