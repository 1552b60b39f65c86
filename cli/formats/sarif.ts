/**
 * The check as a SARIF 2.1.0 log, the format code scanning tools such as GitHub's read: one rule
 * per policy and one result per violation, located at the inventory entry to change.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";

import type * as sarif from "sarif";

import type { EnforcementLevel } from "../analyzer";
import type { CheckRun } from "../offline-check";
import { SiteLocator, ViolationSite, resourceNameOf, violationText } from "./sites";

export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** Base id of URIs relative to the Pulumi project folder. */
export const PROJECT_ROOT_BASE_ID = "PROJECTROOT";

/** SARIF level of each enforcement level. A remediate policy does not fail the check, so it warns. */
export const SARIF_LEVELS: Record<EnforcementLevel, sarif.ReportingConfiguration.level> = {
    mandatory: "error",
    advisory: "warning",
    remediate: "warning",
    disabled: "none",
};

/**
 * Builds the SARIF log. Each result's physical location is the service's entry in the inventory,
 * or the node's entry for a node's totals, and its logical location and properties carry the URN.
 * The services that the message names by URN, such as a node's largest containers, are related
 * locations.
 */
export function buildSarifLog(run: CheckRun, locator: SiteLocator): sarif.Log {
    const pack = run.result.policyPack;
    const rules: sarif.ReportingDescriptor[] = run.policies.map((policy) => ({
        id: policy.name,
        shortDescription: { text: policy.description },
        defaultConfiguration: {
            level: SARIF_LEVELS[policy.enforcementLevel],
            enabled: policy.enforcementLevel !== "disabled",
        },
        properties: { enforcementLevel: policy.enforcementLevel },
    }));
    const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));

    const results: sarif.Result[] = [];
    for (const stack of run.result.stacks) {
        for (const violation of stack.violations) {
            const site = locator.locate(violation, stack);
            const mentioned = locator.locateMentioned(violation, stack);
            const index = ruleIndex.get(violation.policyName);
            results.push({
                ruleId: violation.policyName,
                ...(index === undefined ? {} : { ruleIndex: index }),
                level: SARIF_LEVELS[violation.enforcementLevel],
                message: { text: violationText(violation) },
                locations: [toLocation(site, locator)],
                ...(mentioned.length === 0
                    ? {}
                    : {
                          relatedLocations: mentioned.map((related, id) => ({
                              id,
                              ...toLocation(related, locator),
                              message: { text: `service ${related.service}` },
                          })),
                      }),
                properties: {
                    stack: site.stack,
                    node: site.node,
                    plan: stack.plan,
                    ...(site.service === undefined ? {} : { service: site.service }),
                    urn: site.urn,
                    enforcementLevel: violation.enforcementLevel,
                },
            });
        }
    }

    const projectUri = pathToFileURL(locator.roots.projectDir).href;
    return {
        $schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [
            {
                tool: { driver: { name: pack.name, version: pack.version, rules } },
                originalUriBaseIds: {
                    [PROJECT_ROOT_BASE_ID]: { uri: projectUri.endsWith("/") ? projectUri : `${projectUri}/` },
                },
                results,
            },
        ],
    };
}

function toLocation(site: ViolationSite, locator: SiteLocator): sarif.Location {
    const reportedPath = locator.displayPath(site.file);
    const artifactLocation: sarif.ArtifactLocation = path.isAbsolute(reportedPath)
        ? { uri: pathToFileURL(reportedPath).href }
        : { uri: reportedPath.split("/").map(encodeURIComponent).join("/"), uriBaseId: PROJECT_ROOT_BASE_ID };
    const name = resourceNameOf(site.urn);
    return {
        physicalLocation: { artifactLocation, region: { startLine: site.line, startColumn: site.column } },
        ...(name === undefined ? {} : { logicalLocations: [{ name, fullyQualifiedName: site.urn, kind: "resource" }] }),
    };
}
