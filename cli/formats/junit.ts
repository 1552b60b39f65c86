/**
 * The check as a JUnit XML report: one test suite per stack and one test case per policy, so CI
 * systems list passing policies as passed tests and mandatory violations as failures.
 */
import junitReportBuilder, { type TestCase } from "junit-report-builder";

import type { Diagnostic } from "../analyzer";
import type { CheckRun, PolicyReport, StackReport } from "../offline-check";
import { SiteLocator, violationText } from "./sites";

/**
 * Builds the JUnit XML document. A test case fails when its policy has a mandatory violation in
 * the stack, with every such violation and its file and line in the failure. Advisory and
 * remediate violations leave the case passing and appear in its `system-out`, which GitHub test
 * reporters, GitLab and Jenkins show with the case. A disabled policy's case is skipped.
 */
export function buildJUnitReport(run: CheckRun, locator: SiteLocator): string {
    const pack = run.result.policyPack;
    const builder = junitReportBuilder.newBuilder().name(`${pack.name} ${pack.version}`);
    for (const stack of run.result.stacks) {
        const suite = builder
            .testSuite()
            .name(stack.stack)
            .property("node", stack.node)
            .property("plan", stack.plan)
            .property("inventory", locator.displayPath(locator.inventoryFile(stack)))
            .property("containers", String(stack.containers));
        for (const policy of run.policies) {
            const testCase = suite.testCase().className(`${pack.name}.${stack.stack}`).name(policy.name);
            describeCase(testCase, policy, stack, locator);
        }
    }
    return builder.build();
}

function describeCase(testCase: TestCase, policy: PolicyReport, stack: StackReport, locator: SiteLocator): void {
    testCase.property("enforcementLevel", policy.enforcementLevel);
    const violations = stack.violations.filter((v) => v.policyName === policy.name);
    if (violations.length === 0) {
        if (policy.enforcementLevel === "disabled") {
            testCase.skipped();
        }
        return;
    }
    const describe = (violation: Diagnostic) => {
        const site = locator.locate(violation, stack);
        return `${violation.enforcementLevel} at ${locator.displayPath(site.file)}:${site.line}\n${violationText(violation)}`;
    };
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    const others = violations.filter((v) => v.enforcementLevel !== "mandatory");
    if (mandatory.length > 0) {
        const first = violationText(mandatory[0]).split("\n")[0];
        const site = locator.locate(mandatory[0], stack);
        testCase
            .file(locator.displayPath(site.file))
            .failure(mandatory.length === 1 ? first : `${mandatory.length} mandatory violations; the first: ${first}`, "mandatory")
            .stacktrace(mandatory.map(describe).join("\n\n"));
    }
    if (others.length > 0) {
        testCase.standardOutput(others.map(describe).join("\n\n"));
    }
}
