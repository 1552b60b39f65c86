/**
 * Every container must carry a memory limit, a CPU limit and a node label: an unlimited container
 * can take the whole node, and an unlabelled one cannot be counted against any node.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

import { CONTAINER_TYPE, readContainer } from "./containers";

export const containerHasLimits: ResourceValidationPolicy = {
    name: "container-has-limits",
    description: "Every Docker container must have a memory limit, a CPU limit (`cpus`) and a `bev.node` label.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== CONTAINER_TYPE) {
            return;
        }
        const reading = readContainer(args.urn, args.name, args.props);
        for (const problem of reading.problems) {
            report(problem.message);
        }
    },
};
