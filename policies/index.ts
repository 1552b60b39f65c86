import { PolicyPack } from "@pulumi/policy";

import { cpuWithinNodeCapacity, memoryWithinNodeCapacity, vramWithinGpuCapacity } from "./capacity";
import { nodeHeadroom } from "./headroom";
import { containerHasLimits } from "./limits";

new PolicyPack("bev-capacity", {
    policies: [memoryWithinNodeCapacity, cpuWithinNodeCapacity, vramWithinGpuCapacity, containerHasLimits, nodeHeadroom],
});
