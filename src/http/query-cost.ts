import { GraphQLError, Kind, type ASTNode, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Fields whose whole selection costs a fixed amount, whatever it holds: each is one indexed query over
 * pre-rolled buckets, at most MAX_BUCKETS small rows, so counting its buckets' fields as objects
 * (armor's estimate) would price a usage chart like a page of accounts. A dashboard asking 100 keys'
 * hourly and daily usage and topApiKeys(100) costs about 2,400 with these, where it cost about 5,700.
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = Object.freeze({
  usage: 3,
  usageSeries: 3,
  apiKeyUsageSeries: 3,
});

const OBJECT_COST = 2;
const SCALAR_COST = 1;
const DEPTH_FACTOR = 1.5;

/**
 * The cost of an operation: GraphQL Armor's estimate (objects 2, scalars 1, ×1.5 a level, × a literal
 * `first`), with FIELD_COSTS for the fields above. Fragments are priced where they are spread.
 */
export function operationCost(context: ValidationContext, node: ASTNode): number {
  const seen = new Map<string, number>();
  const cost = (current: ASTNode): number => {
    if (current.kind === Kind.OPERATION_DEFINITION) {
      return current.selectionSet.selections.reduce((sum, child) => sum + cost(child), 0);
    }
    if (current.kind === Kind.FIELD) {
      if (current.name.value === '__schema') return 0;
      const fixed = FIELD_COSTS[current.name.value];
      if (fixed !== undefined) return fixed;
    }
    if (current.kind === Kind.FRAGMENT_SPREAD) {
      const name = current.name.value;
      if (!seen.has(name)) {
        seen.set(name, 0);
        const fragment = context.getFragment(name);
        seen.set(name, fragment === null || fragment === undefined ? 0 : cost(fragment));
      }
      return SCALAR_COST + DEPTH_FACTOR * seen.get(name)!;
    }
    if (!('selectionSet' in current) || current.selectionSet === undefined) return SCALAR_COST;
    let total = OBJECT_COST;
    for (const child of current.selectionSet.selections) total += DEPTH_FACTOR * cost(child);
    const first = current.kind === Kind.FIELD
      ? current.arguments?.find((arg) => arg.name.value === 'first' || arg.name.value === 'last')
      : undefined;
    const times = first?.value.kind === Kind.INT ? Math.max(Number.parseInt(first.value.value, 10), 1) : 1;
    return total * times;
  };
  return cost(node);
}

/** A validation rule refusing an operation that costs more than `maxCost`, through `refuse`. */
export function costLimitRule(maxCost: number, refuse: (context: ValidationContext, error: GraphQLError) => void) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const found = operationCost(context, node);
      if (found > maxCost) refuse(context, new GraphQLError(`Query Cost limit of ${maxCost} exceeded, found ${Math.round(found)}.`));
    },
  });
}
