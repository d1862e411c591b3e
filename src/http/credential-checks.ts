import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Mutation fields that check a secret (password, refresh token, code): one per request at most. */
export const CREDENTIAL_CHECKING_FIELDS: ReadonlySet<string> = new Set([
  'signUp', 'login', 'refresh', 'changePassword', 'resetPassword', 'verifyEmail', 'completeSocialLogin', 'completeSocialLink',
]);

/**
 * A validation rule: an operation selecting more than one credential-checking field (aliases,
 * fragments) is refused before anything runs. Batches are held to the same by Context.claimCredentialCheck.
 */
function OneCredentialCheckRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (node.operation !== 'mutation') return;
      const count = countFields(context, node.selectionSet, new Set());
      if (count > 1) {
        context.reportError(new GraphQLError(
          `An operation may check one credential at most; this one has ${count} of ${[...CREDENTIAL_CHECKING_FIELDS].join(', ')}.`,
          { nodes: [node], extensions: { code: 'TOO_MANY_CREDENTIAL_CHECKS' } },
        ));
      }
    },
  };
}

function countFields(context: ValidationContext, set: SelectionSetNode, seen: Set<string>): number {
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (CREDENTIAL_CHECKING_FIELDS.has(selection.name.value)) count += 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countFields(context, selection.selectionSet, seen);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment !== undefined && fragment !== null) count += countFields(context, fragment.selectionSet, seen);
    }
  }
  return count;
}

export function useOneCredentialCheck(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(OneCredentialCheckRule);
    },
  };
}
