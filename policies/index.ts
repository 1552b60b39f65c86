import { PolicyPack } from "@pulumi/policy";

import { cpuWithinNodeCapacity, memoryWithinNodeCapacity, vramWithinGpuCapacity } from "./capacity";
import { gpuRequestValid } from "./gpu";
import { nodeHeadroom } from "./headroom";
import { containerHasLimits } from "./limits";
import {
    imagePinned,
    networkModeExplicit,
    noDockerSocketMount,
    noHostNamespacesOnSharedNodes,
    noPlaintextSecrets,
    noPrivilegedContainers,
    replaceDeleteFirst,
} from "./security";

new PolicyPack("bev-capacity", {
    policies: [
        memoryWithinNodeCapacity,
        cpuWithinNodeCapacity,
        vramWithinGpuCapacity,
        gpuRequestValid,
        containerHasLimits,
        nodeHeadroom,
        noPrivilegedContainers,
        noDockerSocketMount,
        noHostNamespacesOnSharedNodes,
        noPlaintextSecrets,
        imagePinned,
        replaceDeleteFirst,
        networkModeExplicit,
    ],
});
