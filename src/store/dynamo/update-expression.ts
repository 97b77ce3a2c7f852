/**
 * SET for the defined attributes, REMOVE for the undefined ones: a save replaces the record's attributes
 * without a PutItem, which would wipe the attributes the save does not own (the journal counter).
 */
export function setOrRemove(
  attributes: Record<string, unknown>,
  condition?: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
): {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const set: string[] = [];
  const remove: string[] = [];
  Object.entries(attributes).forEach(([name, value], i) => {
    names[`#a${i}`] = name;
    if (value === undefined) {
      remove.push(`#a${i}`);
    } else {
      values[`:a${i}`] = value;
      set.push(`#a${i} = :a${i}`);
    }
  });
  const expression = [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');
  if (!condition) return { UpdateExpression: expression, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
  return {
    UpdateExpression: expression,
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: { ...names, ...condition.names },
    ExpressionAttributeValues: { ...values, ...condition.values },
  };
}
