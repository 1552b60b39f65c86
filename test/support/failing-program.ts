/**
 * A Pulumi program that declares one resource and then throws, for tests of what the check does
 * when a program fails.
 */
import * as pulumi from "@pulumi/pulumi";

new pulumi.ComponentResource("test:index:Failing", "failing");
throw new Error("the program failed on purpose");
