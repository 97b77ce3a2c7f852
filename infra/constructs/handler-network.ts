// Optional VPC placement of the handler. ElastiCache endpoints are reachable only inside their VPC, so
// plans with verify.redis (and canaries against internal load balancers) need it. Set on the L1 resource
// rather than through an imported IVpc, which would want availability zones, i.e. an AWS lookup.
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { ConfigError } from '../../src/errors.js';

export interface HandlerNetwork {
  subnetIds: string[];
  securityGroupIds: string[];
}

/**
 * Lambda manages the function's network interfaces with the execution role. The mutating ENI actions are
 * held to this account and region; the two Describe calls do not support resource-level permissions.
 */
export function attachNetwork(fn: IFunction, role: Role, network: HandlerNetwork): void {
  if (network.subnetIds.length === 0 || network.securityGroupIds.length === 0) {
    throw new ConfigError('a VPC handler needs at least one subnet id and one security group id');
  }
  const { partition, region, account } = Stack.of(fn);
  role.addToPolicy(
    new PolicyStatement({
      actions: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: [`arn:${partition}:ec2:${region}:${account}:*/*`],
    }),
  );
  role.addToPolicy(new PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }));
  const cfn = fn.node.defaultChild as CfnFunction;
  cfn.vpcConfig = { subnetIds: network.subnetIds, securityGroupIds: network.securityGroupIds };
}
